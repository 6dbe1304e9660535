package s3api

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// Action is one S3 operation, resolved once per request.
type Action struct {
	// Name is the S3 operation name, e.g. "GetObject".
	Name string
	// Permission is the IAM action that authorizes it, e.g. "s3:GetObject".
	Permission string
	handle     func(s *Server, c echo.Context, r *request) error
}

// request is a request resolved into its bucket, key and action.
type request struct {
	bucket string
	key    string
	query  url.Values
	header http.Header
	action *Action
	auth   *authInfo

	// clientIP is the client's address (after trusted proxies), for conditions, the
	// lockout and the audit log.
	clientIP string
	// claimedKey is the access key id the request names, before it is verified.
	claimedKey string
	// denied is set when authentication, authorization or the lockout refused the
	// request, for the audit log.
	denied bool
	// conds is the policy condition context, built on first use.
	conds map[string][]string
}

// reqKey is the echo context key of the resolved request.
const reqKey = "s3.request"

// dispatch resolves, authenticates, authorizes and handles one request. A source
// locked out for failed authentications is refused first. A POST upload is
// authenticated and authorized by its handler, from the signed form.
func (s *Server) dispatch(c echo.Context) error {
	r, err := s.resolve(c.Request())
	if err != nil {
		return err
	}
	c.Set(reqKey, r)
	r.clientIP = audit.ClientIP(c.Request(), s.cfg.TrustedProxies)
	r.claimedKey = claimedAccessKey(c.Request(), r.query)
	if err := s.checkLockout(c, r); err != nil {
		return err
	}
	if r.action.Name != "PostObject" {
		if err := s.authenticate(c, r); err != nil {
			return err
		}
		if err := s.authorize(c, r); err != nil {
			return err
		}
	}
	return r.action.handle(s, c, r)
}

// resolve finds the bucket, key and action of a request.
func (s *Server) resolve(hr *http.Request) (*request, error) {
	r := &request{query: hr.URL.Query(), header: hr.Header}
	path := hr.URL.EscapedPath()
	unescaped, err := url.PathUnescape(path)
	if err != nil {
		return nil, s3err.Newf(s3err.InvalidURI, "Couldn't parse the specified URI.")
	}
	path = strings.TrimPrefix(unescaped, "/")
	if bucket, ok := s.virtualHostBucket(hr.Host); ok {
		r.bucket, r.key = bucket, path
	} else {
		r.bucket, r.key, _ = strings.Cut(path, "/")
	}
	r.action = chooseAction(hr.Method, r)
	if r.action == nil {
		return nil, s3err.New(s3err.MethodNotAllowed)
	}
	if r.bucket != "" && r.action.Name != "CreateBucket" && !validBucketName(r.bucket) {
		// An invalid name can never exist; answer as S3 does for a missing bucket.
		return nil, s3err.New(s3err.NoSuchBucket).WithBucket(r.bucket)
	}
	return r, nil
}

// virtualHostBucket returns the bucket named by a virtual-host-style Host header.
func (s *Server) virtualHostBucket(host string) (string, bool) {
	if s.cfg.Domain == "" {
		return "", false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	bucket, ok := strings.CutSuffix(host, "."+s.cfg.Domain)
	if !ok || bucket == "" {
		return "", false
	}
	return bucket, true
}

// has reports whether the query names a sub-resource, with or without a value.
func (r *request) has(name string) bool {
	_, ok := r.query[name]
	return ok
}

// unsupported names sub-resources Cairn does not implement yet; requests for them get
// NotImplemented rather than being mistaken for plain object or bucket requests.
var unsupported = []string{
	"accelerate", "analytics", "cors", "encryption", "intelligent-tiering", "inventory",
	"legal-hold", "lifecycle", "logging", "metrics", "notification", "object-lock",
	"ownershipControls", "publicAccessBlock", "replication",
	"requestPayment", "restore", "retention", "select", "torrent", "versions",
	"website", "attributes", "session", "renameObject",
}

// bucketOnly names sub-resources of buckets that objects do not have.
var bucketOnly = []string{"policy", "policyStatus"}

// objectUnsupported names sub-resources Cairn implements for buckets but not yet for
// objects.
var objectUnsupported = []string{"tagging"}

// chooseAction maps method, bucket, key and sub-resources to an action.
func chooseAction(method string, r *request) *Action {
	for _, sub := range unsupported {
		if r.has(sub) {
			return notImplemented(sub)
		}
	}
	if r.bucket == "" {
		if method == http.MethodGet {
			return actListBuckets
		}
		return nil
	}
	if r.key == "" {
		return chooseBucketAction(method, r)
	}
	for _, sub := range bucketOnly {
		if r.has(sub) {
			return notImplemented(sub)
		}
	}
	for _, sub := range objectUnsupported {
		if r.has(sub) {
			return notImplemented(sub)
		}
	}
	return chooseObjectAction(method, r)
}

func chooseBucketAction(method string, r *request) *Action {
	switch method {
	case http.MethodGet:
		switch {
		case r.has("location"):
			return actGetBucketLocation
		case r.has("uploads"):
			return actListMultipartUploads
		case r.has("versioning"):
			return actGetBucketVersioning
		case r.has("acl"):
			return actGetBucketACL
		case r.has("policy"):
			return actGetBucketPolicy
		case r.has("policyStatus"):
			return actGetBucketPolicyStatus
		case r.has("tagging"):
			return actGetBucketTagging
		case r.query.Get("list-type") == "2":
			return actListObjectsV2
		default:
			return actListObjects
		}
	case http.MethodPut:
		switch {
		case r.has("versioning"):
			return notImplemented("versioning")
		case r.has("acl"):
			return actPutBucketACL
		case r.has("policy"):
			return actPutBucketPolicy
		case r.has("policyStatus"):
			return nil
		case r.has("tagging"):
			return actPutBucketTagging
		default:
			return actCreateBucket
		}
	case http.MethodHead:
		return actHeadBucket
	case http.MethodDelete:
		switch {
		case r.has("policy"):
			return actDeleteBucketPolicy
		case r.has("tagging"):
			return actDeleteBucketTagging
		case r.has("acl"), r.has("policyStatus"), r.has("versioning"), r.has("location"), r.has("uploads"):
			return nil // never DeleteBucket by mistake
		}
		return actDeleteBucket
	case http.MethodPost:
		switch {
		case r.has("delete"):
			return actDeleteObjects
		case r.has("tagging"):
			return nil // never a POST upload by mistake
		}
		return actPostObject
	}
	return nil
}

func chooseObjectAction(method string, r *request) *Action {
	switch method {
	case http.MethodGet:
		switch {
		case r.has("uploadId"):
			return actListParts
		case r.has("acl"):
			return actGetObjectACL
		default:
			return actGetObject
		}
	case http.MethodHead:
		return actHeadObject
	case http.MethodPut:
		switch {
		case r.has("acl"):
			return actPutObjectACL
		case r.has("uploadId"):
			return actUploadPart
		case r.header.Get("x-amz-copy-source") != "":
			return actCopyObject
		default:
			return actPutObject
		}
	case http.MethodDelete:
		switch {
		case r.has("uploadId"):
			return actAbortMultipartUpload
		case r.has("acl"):
			return nil // never DeleteObject by mistake
		}
		return actDeleteObject
	case http.MethodPost:
		switch {
		case r.has("uploads"):
			return actCreateMultipartUpload
		case r.has("uploadId"):
			return actCompleteMultipartUpload
		}
	}
	return nil
}

// notImplemented returns an action that answers NotImplemented for a sub-resource.
// It still requires authentication, so it reveals nothing to anonymous callers.
func notImplemented(sub string) *Action {
	return &Action{Name: "NotImplemented:" + sub, Permission: "s3:*", handle: func(*Server, echo.Context, *request) error {
		return s3err.Newf(s3err.NotImplemented, "The %s sub-resource is not implemented by Cairn.", sub)
	}}
}

// The actions, one per S3 operation.
var (
	actListBuckets             = &Action{"ListBuckets", "s3:ListAllMyBuckets", (*Server).listBuckets}
	actCreateBucket            = &Action{"CreateBucket", "s3:CreateBucket", (*Server).createBucket}
	actHeadBucket              = &Action{"HeadBucket", "s3:ListBucket", (*Server).headBucket}
	actDeleteBucket            = &Action{"DeleteBucket", "s3:DeleteBucket", (*Server).deleteBucket}
	actGetBucketLocation       = &Action{"GetBucketLocation", "s3:GetBucketLocation", (*Server).getBucketLocation}
	actGetBucketVersioning     = &Action{"GetBucketVersioning", "s3:GetBucketVersioning", (*Server).getBucketVersioning}
	actGetBucketACL            = &Action{"GetBucketAcl", "s3:GetBucketAcl", (*Server).getBucketACL}
	actPutBucketACL            = &Action{"PutBucketAcl", "s3:PutBucketAcl", (*Server).putBucketACL}
	actGetBucketPolicy         = &Action{"GetBucketPolicy", "s3:GetBucketPolicy", (*Server).getBucketPolicy}
	actPutBucketPolicy         = &Action{"PutBucketPolicy", "s3:PutBucketPolicy", (*Server).putBucketPolicy}
	actDeleteBucketPolicy      = &Action{"DeleteBucketPolicy", "s3:DeleteBucketPolicy", (*Server).deleteBucketPolicy}
	actGetBucketPolicyStatus   = &Action{"GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", (*Server).getBucketPolicyStatus}
	actGetBucketTagging        = &Action{"GetBucketTagging", "s3:GetBucketTagging", (*Server).getBucketTagging}
	actPutBucketTagging        = &Action{"PutBucketTagging", "s3:PutBucketTagging", (*Server).putBucketTagging}
	actDeleteBucketTagging     = &Action{"DeleteBucketTagging", "s3:PutBucketTagging", (*Server).deleteBucketTagging} // as AWS: no s3:DeleteBucketTagging
	actListObjects             = &Action{"ListObjects", "s3:ListBucket", (*Server).listObjectsV1}
	actListObjectsV2           = &Action{"ListObjectsV2", "s3:ListBucket", (*Server).listObjectsV2}
	actListMultipartUploads    = &Action{"ListMultipartUploads", "s3:ListBucketMultipartUploads", (*Server).listMultipartUploads}
	actDeleteObjects           = &Action{"DeleteObjects", "s3:DeleteObject", (*Server).deleteObjects}
	actPostObject              = &Action{"PostObject", "s3:PutObject", (*Server).postObject}
	actGetObject               = &Action{"GetObject", "s3:GetObject", (*Server).getObject}
	actHeadObject              = &Action{"HeadObject", "s3:GetObject", (*Server).getObject}
	actGetObjectACL            = &Action{"GetObjectAcl", "s3:GetObjectAcl", (*Server).getObjectACL}
	actPutObjectACL            = &Action{"PutObjectAcl", "s3:PutObjectAcl", (*Server).putObjectACL}
	actPutObject               = &Action{"PutObject", "s3:PutObject", (*Server).putObject}
	actCopyObject              = &Action{"CopyObject", "s3:PutObject", (*Server).copyObject}
	actDeleteObject            = &Action{"DeleteObject", "s3:DeleteObject", (*Server).deleteObject}
	actCreateMultipartUpload   = &Action{"CreateMultipartUpload", "s3:PutObject", (*Server).createMultipartUpload}
	actUploadPart              = &Action{"UploadPart", "s3:PutObject", (*Server).uploadPart}
	actCompleteMultipartUpload = &Action{"CompleteMultipartUpload", "s3:PutObject", (*Server).completeMultipartUpload}
	actAbortMultipartUpload    = &Action{"AbortMultipartUpload", "s3:AbortMultipartUpload", (*Server).abortMultipartUpload}
	actListParts               = &Action{"ListParts", "s3:ListMultipartUploadParts", (*Server).listParts}
)
