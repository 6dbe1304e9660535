package s3api

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/gate"
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
	// gr is the request's passage through the gate: client address, claimed key,
	// caller, verified body, whether the gate refused it.
	gr *gate.Request
	// conds is the policy condition context, built on first use.
	conds map[string][]string
}

// reqKey is the echo context key of the resolved request; gateKey of its passage
// through the gate, set before it is resolved.
const (
	reqKey  = "s3.request"
	gateKey = "s3.gate"
)

// dispatch resolves, authenticates, authorizes and handles one request. An address
// (or a claimed key at it) locked out for failed authentications is refused first,
// before the request is even resolved. A POST upload is authenticated and authorized
// by its handler, from the signed form, through the same gate.
func (s *Server) dispatch(c echo.Context) error {
	if id := s.meta.ClusterID(); id != "" {
		c.Response().Header().Set(hdrSiteID, id)
	}
	gr := s.gate.Begin(c.Response(), c.Request())
	c.Set(gateKey, gr)
	if c.Request().Method == http.MethodOptions {
		return s.preflight(c)
	}
	s.addCORSHeaders(c)
	if err := s.gate.CheckLockout(gr); err != nil {
		return err
	}
	r, err := s.resolve(c.Request())
	if err != nil {
		return err
	}
	r.gr = gr
	c.Set(reqKey, r)
	if r.action.Name != "PostObject" {
		if err := s.gate.Authenticate(r.gr); err != nil {
			return err
		}
		if err := s.authorize(c, r); err != nil {
			return err
		}
	}
	return r.action.handle(s, c, r)
}

// bucketAndKey finds the bucket and key a request names, path-style or
// virtual-host style.
func (s *Server) bucketAndKey(hr *http.Request) (bucket, key string, err error) {
	unescaped, err := url.PathUnescape(hr.URL.EscapedPath())
	if err != nil {
		return "", "", s3err.Newf(s3err.InvalidURI, "Couldn't parse the specified URI.")
	}
	path := strings.TrimPrefix(unescaped, "/")
	if bucket, ok := s.virtualHostBucket(hr.Host); ok {
		return bucket, path, nil
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key, nil
}

// resolve finds the bucket, key and action of a request.
func (s *Server) resolve(hr *http.Request) (*request, error) {
	r := &request{query: hr.URL.Query(), header: hr.Header}
	var err error
	if r.bucket, r.key, err = s.bucketAndKey(hr); err != nil {
		return nil, err
	}
	if r.bucket == "" && r.key != "" {
		// "//bucket/key": an empty bucket segment names no bucket, and must not be
		// read as a request for the list of buckets.
		return nil, s3err.Newf(s3err.InvalidBucketName, "The specified bucket is not valid.").WithBucket("")
	}
	if !utf8.ValidString(r.key) {
		return nil, errKeyNotUTF8()
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
	"accelerate", "analytics", "intelligent-tiering", "inventory",
	"logging", "metrics", "notification",
	"ownershipControls", "publicAccessBlock",
	"requestPayment", "restore", "select", "torrent",
	"website", "session", "renameObject",
}

// bucketOnly names sub-resources of buckets that objects do not have.
var bucketOnly = []string{"policy", "policyStatus", "object-lock", "replication", "cors", "encryption"}

// objectUnsupported names sub-resources Cairn implements for buckets but not for
// objects.
var objectUnsupported = []string{"versioning", "versions", "lifecycle"}

// objectOnly names sub-resources of objects that buckets do not have.
var objectOnly = []string{"retention", "legal-hold"}

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
	if r.has("attributes") && (r.key == "" || method != http.MethodGet) {
		return notImplemented("attributes") // only GetObjectAttributes
	}
	if r.key == "" {
		for _, sub := range objectOnly {
			if r.has(sub) {
				return notImplemented(sub)
			}
		}
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
		case r.has("versions"):
			return actListObjectVersions
		case r.has("acl"):
			return actGetBucketACL
		case r.has("policy"):
			return actGetBucketPolicy
		case r.has("policyStatus"):
			return actGetBucketPolicyStatus
		case r.has("tagging"):
			return actGetBucketTagging
		case r.has("lifecycle"):
			return actGetBucketLifecycle
		case r.has("cors"):
			return actGetBucketCORS
		case r.has("object-lock"):
			return actGetObjectLockConfiguration
		case r.has("replication"):
			return actGetBucketReplication
		case r.has("encryption"):
			return actGetBucketEncryption
		case r.query.Get("list-type") == "2":
			return actListObjectsV2
		default:
			return actListObjects
		}
	case http.MethodPut:
		switch {
		case r.has("versioning"):
			return actPutBucketVersioning
		case r.has("versions"):
			return nil
		case r.has("acl"):
			return actPutBucketACL
		case r.has("policy"):
			return actPutBucketPolicy
		case r.has("policyStatus"):
			return nil
		case r.has("tagging"):
			return actPutBucketTagging
		case r.has("lifecycle"):
			return actPutBucketLifecycle
		case r.has("cors"):
			return actPutBucketCORS
		case r.has("object-lock"):
			return actPutObjectLockConfiguration
		case r.has("replication"):
			return actPutBucketReplication
		case r.has("encryption"):
			return actPutBucketEncryption
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
		case r.has("lifecycle"):
			return actDeleteBucketLifecycle
		case r.has("cors"):
			return actDeleteBucketCORS
		case r.has("replication"):
			return actDeleteBucketReplication
		case r.has("encryption"):
			return actDeleteBucketEncryption
		case r.has("acl"), r.has("policyStatus"), r.has("versioning"), r.has("versions"), r.has("location"), r.has("uploads"), r.has("object-lock"):
			return nil // never DeleteBucket by mistake
		}
		return actDeleteBucket
	case http.MethodPost:
		switch {
		case r.has("delete"):
			return actDeleteObjects
		case r.has("tagging"), r.has("versioning"), r.has("versions"), r.has("lifecycle"), r.has("object-lock"), r.has("replication"), r.has("cors"), r.has("encryption"):
			return nil // never a POST upload by mistake
		}
		return actPostObject
	}
	return nil
}

func chooseObjectAction(method string, r *request) *Action {
	// A request for one version needs the permission of its "Version" action, as in AWS.
	versioned := r.has("versionId")
	switch method {
	case http.MethodGet:
		switch {
		case r.has("uploadId"):
			return actListParts
		case r.has("acl"):
			return actGetObjectACL
		case r.has("attributes") && versioned:
			return actGetObjectVersionAttributes
		case r.has("attributes"):
			return actGetObjectAttributes
		case r.has("tagging") && versioned:
			return actGetObjectVersionTagging
		case r.has("tagging"):
			return actGetObjectTagging
		case r.has("retention"):
			return actGetObjectRetention
		case r.has("legal-hold"):
			return actGetObjectLegalHold
		case versioned:
			return actGetObjectVersion
		default:
			return actGetObject
		}
	case http.MethodHead:
		if versioned {
			return actHeadObjectVersion
		}
		return actHeadObject
	case http.MethodPut:
		switch {
		case r.has("acl"):
			return actPutObjectACL
		case r.has("tagging") && versioned:
			return actPutObjectVersionTagging
		case r.has("tagging"):
			return actPutObjectTagging
		case r.has("retention"):
			return actPutObjectRetention
		case r.has("legal-hold"):
			return actPutObjectLegalHold
		case r.has("uploadId") && r.header.Get("x-amz-copy-source") != "":
			return actUploadPartCopy
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
		case r.has("acl"), r.has("retention"), r.has("legal-hold"):
			return nil // never DeleteObject by mistake
		case r.has("tagging") && versioned:
			return actDeleteObjectVersionTagging
		case r.has("tagging"):
			return actDeleteObjectTagging
		case versioned:
			return actDeleteObjectVersion
		}
		return actDeleteObject
	case http.MethodPost:
		switch {
		case r.has("uploads"):
			return actCreateMultipartUpload
		case r.has("uploadId"):
			return actCompleteMultipartUpload
		case r.has("retention"), r.has("legal-hold"):
			return nil
		}
	}
	return nil
}

// The actions of versioning and object tagging.
var (
	actPutBucketVersioning        = &Action{"PutBucketVersioning", "s3:PutBucketVersioning", (*Server).putBucketVersioning}
	actListObjectVersions         = &Action{"ListObjectVersions", "s3:ListBucketVersions", (*Server).listObjectVersions}
	actGetObjectVersion           = &Action{"GetObject", "s3:GetObjectVersion", (*Server).getObject}
	actHeadObjectVersion          = &Action{"HeadObject", "s3:GetObjectVersion", (*Server).getObject}
	actDeleteObjectVersion        = &Action{"DeleteObject", "s3:DeleteObjectVersion", (*Server).deleteObject}
	actGetObjectTagging           = &Action{"GetObjectTagging", "s3:GetObjectTagging", (*Server).getObjectTagging}
	actGetObjectVersionTagging    = &Action{"GetObjectTagging", "s3:GetObjectVersionTagging", (*Server).getObjectTagging}
	actPutObjectTagging           = &Action{"PutObjectTagging", "s3:PutObjectTagging", (*Server).putObjectTagging}
	actPutObjectVersionTagging    = &Action{"PutObjectTagging", "s3:PutObjectVersionTagging", (*Server).putObjectTagging}
	actDeleteObjectTagging        = &Action{"DeleteObjectTagging", "s3:DeleteObjectTagging", (*Server).deleteObjectTagging}
	actDeleteObjectVersionTagging = &Action{"DeleteObjectTagging", "s3:DeleteObjectVersionTagging", (*Server).deleteObjectTagging}
)

// The actions of object lock. S3 has no separate "Version" permissions for them: a
// versionId is covered by the action itself.
var (
	actGetObjectLockConfiguration = &Action{"GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration", (*Server).getObjectLockConfiguration}
	actPutObjectLockConfiguration = &Action{"PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration", (*Server).putObjectLockConfiguration}
	actGetObjectRetention         = &Action{"GetObjectRetention", "s3:GetObjectRetention", (*Server).getObjectRetention}
	actPutObjectRetention         = &Action{"PutObjectRetention", "s3:PutObjectRetention", (*Server).putObjectRetention}
	actGetObjectLegalHold         = &Action{"GetObjectLegalHold", "s3:GetObjectLegalHold", (*Server).getObjectLegalHold}
	actPutObjectLegalHold         = &Action{"PutObjectLegalHold", "s3:PutObjectLegalHold", (*Server).putObjectLegalHold}
)

// notImplemented returns an action that answers NotImplemented for a sub-resource.
// It still requires authentication, so it reveals nothing to anonymous callers.
func notImplemented(sub string) *Action {
	return &Action{Name: "NotImplemented:" + sub, Permission: "s3:*", handle: func(*Server, echo.Context, *request) error {
		return s3err.Newf(s3err.NotImplemented, "The %s sub-resource is not implemented by Cairn.", sub)
	}}
}

// The actions, one per S3 operation.
var (
	actListBuckets                = &Action{"ListBuckets", "s3:ListAllMyBuckets", (*Server).listBuckets}
	actCreateBucket               = &Action{"CreateBucket", "s3:CreateBucket", (*Server).createBucket}
	actHeadBucket                 = &Action{"HeadBucket", "s3:ListBucket", (*Server).headBucket}
	actDeleteBucket               = &Action{"DeleteBucket", "s3:DeleteBucket", (*Server).deleteBucket}
	actGetBucketLocation          = &Action{"GetBucketLocation", "s3:GetBucketLocation", (*Server).getBucketLocation}
	actGetBucketVersioning        = &Action{"GetBucketVersioning", "s3:GetBucketVersioning", (*Server).getBucketVersioning}
	actGetBucketACL               = &Action{"GetBucketAcl", "s3:GetBucketAcl", (*Server).getBucketACL}
	actPutBucketACL               = &Action{"PutBucketAcl", "s3:PutBucketAcl", (*Server).putBucketACL}
	actGetBucketPolicy            = &Action{"GetBucketPolicy", "s3:GetBucketPolicy", (*Server).getBucketPolicy}
	actPutBucketPolicy            = &Action{"PutBucketPolicy", "s3:PutBucketPolicy", (*Server).putBucketPolicy}
	actDeleteBucketPolicy         = &Action{"DeleteBucketPolicy", "s3:DeleteBucketPolicy", (*Server).deleteBucketPolicy}
	actGetBucketPolicyStatus      = &Action{"GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", (*Server).getBucketPolicyStatus}
	actGetBucketTagging           = &Action{"GetBucketTagging", "s3:GetBucketTagging", (*Server).getBucketTagging}
	actPutBucketTagging           = &Action{"PutBucketTagging", "s3:PutBucketTagging", (*Server).putBucketTagging}
	actDeleteBucketTagging        = &Action{"DeleteBucketTagging", "s3:PutBucketTagging", (*Server).deleteBucketTagging} // as AWS: no s3:DeleteBucketTagging
	actGetBucketReplication       = &Action{"GetBucketReplication", "s3:GetReplicationConfiguration", (*Server).getBucketReplication}
	actPutBucketReplication       = &Action{"PutBucketReplication", "s3:PutReplicationConfiguration", (*Server).putBucketReplication}
	actDeleteBucketReplication    = &Action{"DeleteBucketReplication", "s3:PutReplicationConfiguration", (*Server).deleteBucketReplication} // as AWS
	actGetBucketEncryption        = &Action{"GetBucketEncryption", "s3:GetEncryptionConfiguration", (*Server).getBucketEncryption}
	actPutBucketEncryption        = &Action{"PutBucketEncryption", "s3:PutEncryptionConfiguration", (*Server).putBucketEncryption}
	actDeleteBucketEncryption     = &Action{"DeleteBucketEncryption", "s3:PutEncryptionConfiguration", (*Server).deleteBucketEncryption} // as AWS
	actListObjects                = &Action{"ListObjects", "s3:ListBucket", (*Server).listObjectsV1}
	actListObjectsV2              = &Action{"ListObjectsV2", "s3:ListBucket", (*Server).listObjectsV2}
	actListMultipartUploads       = &Action{"ListMultipartUploads", "s3:ListBucketMultipartUploads", (*Server).listMultipartUploads}
	actDeleteObjects              = &Action{"DeleteObjects", "s3:DeleteObject", (*Server).deleteObjects}
	actPostObject                 = &Action{"PostObject", "s3:PutObject", (*Server).postObject}
	actGetObject                  = &Action{"GetObject", "s3:GetObject", (*Server).getObject}
	actHeadObject                 = &Action{"HeadObject", "s3:GetObject", (*Server).getObject}
	actGetObjectAttributes        = &Action{"GetObjectAttributes", "s3:GetObjectAttributes", (*Server).getObjectAttributes}
	actGetObjectVersionAttributes = &Action{"GetObjectAttributes", "s3:GetObjectVersionAttributes", (*Server).getObjectAttributes}
	actGetObjectACL               = &Action{"GetObjectAcl", "s3:GetObjectAcl", (*Server).getObjectACL}
	actPutObjectACL               = &Action{"PutObjectAcl", "s3:PutObjectAcl", (*Server).putObjectACL}
	actPutObject                  = &Action{"PutObject", "s3:PutObject", (*Server).putObject}
	actCopyObject                 = &Action{"CopyObject", "s3:PutObject", (*Server).copyObject}
	actDeleteObject               = &Action{"DeleteObject", "s3:DeleteObject", (*Server).deleteObject}
	actCreateMultipartUpload      = &Action{"CreateMultipartUpload", "s3:PutObject", (*Server).createMultipartUpload}
	actUploadPart                 = &Action{"UploadPart", "s3:PutObject", (*Server).uploadPart}
	actUploadPartCopy             = &Action{"UploadPartCopy", "s3:PutObject", (*Server).uploadPart}
	actCompleteMultipartUpload    = &Action{"CompleteMultipartUpload", "s3:PutObject", (*Server).completeMultipartUpload}
	actAbortMultipartUpload       = &Action{"AbortMultipartUpload", "s3:AbortMultipartUpload", (*Server).abortMultipartUpload}
	actListParts                  = &Action{"ListParts", "s3:ListMultipartUploadParts", (*Server).listParts}
)
