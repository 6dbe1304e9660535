package s3api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

// user creates a user with a managed policy of its own (none when doc is empty) and
// an access key, and returns an SDK client signing as that user.
func (e *env) user(name, doc string) (*s3.Client, meta.AccessKey) {
	e.t.Helper()
	m := e.node.Meta()
	in := meta.UserInput{Name: name}
	if doc != "" {
		require.NoError(e.t, m.PutPolicy(e.ctx, name+"-policy", []byte(doc)))
		in.Policies = []string{name + "-policy"}
	}
	require.NoError(e.t, m.CreateUser(e.ctx, in))
	k, err := m.CreateAccessKey(e.ctx, name)
	require.NoError(e.t, err)
	return keyClient(e.node.S3URL(), k.ID, k.Secret), k
}

// keyClient is an SDK client with the given credentials and no retries.
func keyClient(endpoint, id, secret string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), RetryMaxAttempts: 1,
	})
}

// anonymousClient is an SDK client that does not sign.
func anonymousClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint), UsePathStyle: true, Region: "us-east-1",
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1,
	})
}

// requireDenied asserts an AccessDenied with the given message.
func requireDenied(t *testing.T, err error, message string) {
	t.Helper()
	requireCode(t, err, "AccessDenied")
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, message, apiErr.ErrorMessage())
}

func putInput(bucket, key, body string) *s3.PutObjectInput {
	return &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}
}

func getBody(t *testing.T, c *s3.Client, bucket, key string) (string, error) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return string(data), nil
}

const readOnlyPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::robkt","arn:aws:s3:::robkt/*"]}]}`

func TestReadOnlyUser(t *testing.T) {
	e := newEnv(t)
	e.bucket("robkt")
	e.put("robkt", "k", []byte("data"))
	reader, _ := e.user("reader", readOnlyPolicy)

	got, err := getBody(t, reader, "robkt", "k")
	require.NoError(t, err)
	require.Equal(t, "data", got)
	_, err = reader.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("robkt"), Key: aws.String("k")})
	require.NoError(t, err, "HeadObject needs s3:GetObject")
	list, err := reader.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("robkt")})
	require.NoError(t, err)
	require.Len(t, list.Contents, 1)

	_, err = reader.PutObject(e.ctx, putInput("robkt", "k2", "x"))
	requireDenied(t, err, `User: reader is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::robkt/k2" because no identity-based policy allows the s3:PutObject action`)
	_, err = reader.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("robkt"), Key: aws.String("k")})
	requireCode(t, err, "AccessDenied")
	_, err = reader.ListBuckets(e.ctx, &s3.ListBucketsInput{})
	requireCode(t, err, "AccessDenied")
	_, err = reader.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
	requireCode(t, err, "AccessDenied")
	_, err = reader.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String("robkt"), Key: aws.String("copy"), CopySource: aws.String("robkt/k")})
	requireCode(t, err, "AccessDenied")

	// DeleteObjects is authorized key by key.
	del, err := reader.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String("robkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k")}}}})
	require.NoError(t, err)
	require.Empty(t, del.Deleted)
	require.Len(t, del.Errors, 1)
	require.Equal(t, "AccessDenied", aws.ToString(del.Errors[0].Code))
	require.Equal(t, "data", string(e.get("robkt", "k")), "nothing was deleted")
}

func TestPrefixScopedUser(t *testing.T) {
	e := newEnv(t)
	e.bucket("shared")
	e.put("shared", "alice/a", []byte("mine"))
	e.put("shared", "bob/b", []byte("his"))
	alice, key := e.user("alice", `[{"bucket": "shared", "actions": ["list", "read", "write", "delete"], "prefix": "alice/"}]`)

	list, err := alice.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("shared"), Prefix: aws.String("alice/")})
	require.NoError(t, err)
	require.Len(t, list.Contents, 1)
	_, err = alice.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("shared")})
	requireCode(t, err, "AccessDenied")
	_, err = alice.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("shared"), Prefix: aws.String("bob/")})
	requireCode(t, err, "AccessDenied")

	got, err := getBody(t, alice, "shared", "alice/a")
	require.NoError(t, err)
	require.Equal(t, "mine", got)
	_, err = alice.PutObject(e.ctx, putInput("shared", "alice/new", "new"))
	require.NoError(t, err)
	_, err = alice.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String("shared"), Key: aws.String("alice/copy"), CopySource: aws.String("shared/alice/a")})
	require.NoError(t, err)
	_, err = alice.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("alice/copy")})
	require.NoError(t, err)

	_, err = getBody(t, alice, "shared", "bob/b")
	requireCode(t, err, "AccessDenied")
	_, err = alice.PutObject(e.ctx, putInput("shared", "bob/x", "x"))
	requireCode(t, err, "AccessDenied")
	_, err = alice.PutObject(e.ctx, putInput("shared", "alice", "no slash"))
	requireCode(t, err, "AccessDenied")
	_, err = alice.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("bob/b")})
	requireCode(t, err, "AccessDenied")
	// Copying out of someone else's prefix needs s3:GetObject on the source.
	_, err = alice.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String("shared"), Key: aws.String("alice/stolen"), CopySource: aws.String("shared/bob/b")})
	requireCode(t, err, "AccessDenied")
	_, err = alice.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("alice/stolen")})
	requireCode(t, err, "NotFound")

	// DeleteObjects: per key.
	del, err := alice.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String("shared"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("alice/new")}, {Key: aws.String("bob/b")},
	}}})
	require.NoError(t, err)
	require.Len(t, del.Deleted, 1)
	require.Equal(t, "alice/new", aws.ToString(del.Deleted[0].Key))
	require.Len(t, del.Errors, 1)
	require.Equal(t, "bob/b", aws.ToString(del.Errors[0].Key))
	require.Equal(t, "AccessDenied", aws.ToString(del.Errors[0].Code))
	require.Equal(t, "his", string(e.get("shared", "bob/b")))

	// A browser form signed by alice is held to alice's policy.
	u, err := url.Parse(e.node.S3URL())
	require.NoError(t, err)
	mc, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV4(key.ID, key.Secret, ""), Region: "us-east-1"})
	require.NoError(t, err)
	post := func(objectKey string) *http.Response {
		pp := minio.NewPostPolicy()
		require.NoError(t, pp.SetBucket("shared"))
		require.NoError(t, pp.SetKey(objectKey))
		require.NoError(t, pp.SetExpires(time.Now().Add(time.Hour)))
		target, fields, err := mc.PresignedPostPolicy(e.ctx, pp)
		require.NoError(t, err)
		return postForm(t, target.String(), fields, []byte("posted"))
	}
	require.Equal(t, http.StatusNoContent, post("alice/posted").StatusCode)
	resp := post("bob/posted")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "AccessDenied", errorCode(t, resp))
}

const publicReadPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`

func TestPublicReadBucketPolicy(t *testing.T) {
	e := newEnv(t)
	e.bucket("site")
	e.put("site", "index.html", []byte("<h1>hi</h1>"))
	anon := anonymousClient(e.node.S3URL())

	_, err := getBody(t, anon, "site", "index.html")
	requireDenied(t, err, "Access Denied")

	_, err = e.s3.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("site"), Policy: aws.String(publicReadPolicy)})
	require.NoError(t, err)
	got, err := getBody(t, anon, "site", "index.html")
	require.NoError(t, err)
	require.Equal(t, "<h1>hi</h1>", got)
	resp, err := http.Get(e.node.S3URL() + "/site/index.html")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "a browser reads it too")

	_, err = anon.PutObject(e.ctx, putInput("site", "defaced.html", "x"))
	requireDenied(t, err, "Access Denied")
	_, err = anon.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("site")})
	requireCode(t, err, "AccessDenied")
	_, err = anon.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html")})
	requireCode(t, err, "AccessDenied")
	_, err = anon.GetBucketPolicy(e.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("site")})
	requireCode(t, err, "AccessDenied")

	status, err := e.s3.GetBucketPolicyStatus(e.ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("site")})
	require.NoError(t, err)
	require.True(t, aws.ToBool(status.PolicyStatus.IsPublic))

	// Listing, once the policy allows it.
	listable := strings.Replace(publicReadPolicy, `]}`, `,
 {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::site"}]}`, 1)
	_, err = e.s3.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("site"), Policy: aws.String(listable)})
	require.NoError(t, err)
	list, err := anon.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("site")})
	require.NoError(t, err)
	require.Len(t, list.Contents, 1)

	// Without the policy, anonymous access ends at once.
	_, err = e.s3.DeleteBucketPolicy(e.ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("site")})
	require.NoError(t, err)
	_, err = getBody(t, anon, "site", "index.html")
	requireCode(t, err, "AccessDenied")
}

func TestBucketPolicyCalls(t *testing.T) {
	e := newEnv(t)
	e.bucket("pol")
	_, err := e.s3.GetBucketPolicy(e.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	requireCode(t, err, "NoSuchBucketPolicy")
	_, err = e.s3.GetBucketPolicyStatus(e.ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("pol")})
	requireCode(t, err, "NoSuchBucketPolicy")
	_, err = e.s3.DeleteBucketPolicy(e.ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("pol")})
	require.NoError(t, err, "deleting a missing policy succeeds, as S3")
	_, err = e.s3.GetBucketPolicy(e.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("nobucket")})
	requireCode(t, err, "NoSuchBucket")

	for doc, message := range map[string]string{
		`not json`:   "Policies must be valid JSON and the first byte must be '{'",
		`["a list"]`: "Policies must be valid JSON and the first byte must be '{'",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`:                   "Statement[0].Principal: a bucket policy statement needs Principal or NotPrincipal",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`: `Statement[0].Resource[0]: "arn:aws:s3:::other/*" is not in bucket "pol"`,
	} {
		_, err := e.s3.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pol"), Policy: aws.String(doc)})
		requireCode(t, err, "MalformedPolicy")
		var apiErr smithy.APIError
		require.True(t, errors.As(err, &apiErr))
		require.Equal(t, message, apiErr.ErrorMessage(), doc)
	}

	// A Deny in the bucket policy binds users that their own policies allow, and root.
	deny := `{"Version":"2012-10-17","Statement":[
 {"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::pol/*"}]}`
	_, err = e.s3.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pol"), Policy: aws.String(deny)})
	require.NoError(t, err)
	out, err := e.s3.GetBucketPolicy(e.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	require.NoError(t, err)
	require.Equal(t, deny, aws.ToString(out.Policy), "returned as it was put")

	e.put("pol", "k", []byte("x"))
	admin, _ := e.user("admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	_, err = admin.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("pol"), Key: aws.String("k")})
	requireDenied(t, err, `User: admin is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::pol/k" with an explicit deny in a resource-based policy`)
	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("pol"), Key: aws.String("k")})
	requireCode(t, err, "AccessDenied")
	got, err := getBody(t, admin, "pol", "k")
	require.NoError(t, err)
	require.Equal(t, "x", got)

	// A policy that denies everything can still be removed by root.
	lockedOut := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::pol","arn:aws:s3:::pol/*"]}]}`
	_, err = e.s3.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pol"), Policy: aws.String(lockedOut)})
	require.NoError(t, err)
	_, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("pol")})
	requireCode(t, err, "AccessDenied")
	_, err = admin.DeleteBucketPolicy(e.ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("pol")})
	requireCode(t, err, "AccessDenied")
	_, err = e.s3.DeleteBucketPolicy(e.ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("pol")})
	require.NoError(t, err)
	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("pol"), Key: aws.String("k")})
	require.NoError(t, err)

	// The policy goes with the bucket.
	_, err = e.s3.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pol"), Policy: aws.String(deny)})
	require.NoError(t, err)
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String("pol")})
	require.NoError(t, err)
	e.bucket("pol")
	_, err = e.s3.GetBucketPolicy(e.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	requireCode(t, err, "NoSuchBucketPolicy")
}

func TestExpiredAndDisabledUsers(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", []byte("x"))
	m := e.node.Meta()
	c, _ := e.user("temp", readOnlyPolicy)
	_, err := c.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	requireCode(t, err, "AccessDenied") // the policy is for bucket robkt; the user itself works
	require.NoError(t, m.PutPolicy(e.ctx, "read-b", []byte(`[{"bucket":"bkt","actions":["list","read"]}]`)))
	require.NoError(t, m.AttachUserPolicy(e.ctx, "temp", "read-b"))
	_, err = c.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	require.NoError(t, err)

	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	require.NoError(t, m.SetUserExpiry(e.ctx, "temp", &past))
	_, err = c.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	requireDenied(t, err, "Access Denied: user temp expired at 2020-01-02T03:04:05Z.")
	_, err = getBody(t, c, "bkt", "k")
	requireCode(t, err, "AccessDenied")
	require.NoError(t, m.SetUserExpiry(e.ctx, "temp", nil))
	_, err = getBody(t, c, "bkt", "k")
	require.NoError(t, err)

	require.NoError(t, m.SetUserStatus(e.ctx, "temp", meta.UserDisabled))
	_, err = getBody(t, c, "bkt", "k")
	requireDenied(t, err, "Access Denied: user temp is disabled.")
	require.NoError(t, m.SetUserStatus(e.ctx, "temp", meta.UserEnabled))
	_, err = getBody(t, c, "bkt", "k")
	require.NoError(t, err)

	// A user created with an expiry works until then.
	soon := time.Now().Add(time.Hour)
	require.NoError(t, m.CreateUser(e.ctx, meta.UserInput{Name: "visitor", Policies: []string{"read-b"}, Expiry: &soon}))
	k, err := m.CreateAccessKey(e.ctx, "visitor")
	require.NoError(t, err)
	_, err = getBody(t, keyClient(e.node.S3URL(), k.ID, k.Secret), "bkt", "k")
	require.NoError(t, err)

	// A key with its own expiry (a console session key) works until then and is
	// refused from then on, while the user's other keys go on working.
	keyExpiry := time.Now().Add(1500 * time.Millisecond)
	require.NoError(t, m.PutAccessKey(e.ctx, meta.AccessKey{ID: "CNSLVISITOR0001", User: "visitor", Secret: "session-secret-0001", Expiry: &keyExpiry}))
	session := keyClient(e.node.S3URL(), "CNSLVISITOR0001", "session-secret-0001")
	_, err = getBody(t, session, "bkt", "k")
	require.NoError(t, err)
	time.Sleep(time.Until(keyExpiry) + 10*time.Millisecond)
	_, err = getBody(t, session, "bkt", "k")
	requireDenied(t, err, "Access Denied: access key CNSLVISITOR0001 expired at "+keyExpiry.UTC().Format(time.RFC3339)+".")
	_, err = getBody(t, keyClient(e.node.S3URL(), k.ID, k.Secret), "bkt", "k")
	require.NoError(t, err)

	// A deleted user's keys are gone.
	require.NoError(t, m.DeleteUser(e.ctx, "visitor"))
	_, err = getBody(t, keyClient(e.node.S3URL(), k.ID, k.Secret), "bkt", "k")
	requireCode(t, err, "InvalidAccessKeyId")
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", []byte("x"))
	old, k := e.user("rotor", `[{"bucket":"bkt","actions":["read"]}]`)
	_, err := getBody(t, old, "bkt", "k")
	require.NoError(t, err)

	next, err := e.node.Meta().RotateAccessKey(e.ctx, k.ID)
	require.NoError(t, err)
	require.NotEqual(t, k.ID, next.ID)
	_, err = getBody(t, old, "bkt", "k")
	requireCode(t, err, "InvalidAccessKeyId")
	_, err = getBody(t, keyClient(e.node.S3URL(), next.ID, next.Secret), "bkt", "k")
	require.NoError(t, err)
	// The old secret with the new id does not work either.
	_, err = getBody(t, keyClient(e.node.S3URL(), next.ID, k.Secret), "bkt", "k")
	requireCode(t, err, "SignatureDoesNotMatch")
}

func TestCannedACLs(t *testing.T) {
	e := newEnv(t)
	_, err := e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("acl"), ACL: types.BucketCannedACLPrivate})
	require.NoError(t, err)
	_, err = e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("public"), ACL: types.BucketCannedACLPublicRead})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("acl"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x")), ACL: types.ObjectCannedACLPublicRead})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("acl"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x")), ACL: types.ObjectCannedACLPrivate})
	require.NoError(t, err)

	_, err = e.s3.PutBucketAcl(e.ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl"), ACL: types.BucketCannedACLPrivate})
	require.NoError(t, err, "private is what Cairn does: a no-op")
	_, err = e.s3.PutBucketAcl(e.ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl"), ACL: types.BucketCannedACLPublicRead})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutObjectAcl(e.ctx, &s3.PutObjectAclInput{Bucket: aws.String("acl"), Key: aws.String("k"), ACL: types.ObjectCannedACLPrivate})
	require.NoError(t, err)
	_, err = e.s3.PutObjectAcl(e.ctx, &s3.PutObjectAclInput{Bucket: aws.String("acl"), Key: aws.String("k"), ACL: types.ObjectCannedACLPublicRead})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutObjectAcl(e.ctx, &s3.PutObjectAclInput{Bucket: aws.String("acl"), Key: aws.String("missing"), ACL: types.ObjectCannedACLPrivate})
	requireCode(t, err, "NoSuchKey")

	// The ACL that GetBucketAcl returns can be put back.
	acl, err := e.s3.GetBucketAcl(e.ctx, &s3.GetBucketAclInput{Bucket: aws.String("acl")})
	require.NoError(t, err)
	require.Len(t, acl.Grants, 1)
	require.Equal(t, types.PermissionFullControl, acl.Grants[0].Permission)
	_, err = e.s3.PutBucketAcl(e.ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl"), AccessControlPolicy: &types.AccessControlPolicy{Owner: acl.Owner, Grants: acl.Grants}})
	require.NoError(t, err)
	public := append(acl.Grants, types.Grant{Permission: types.PermissionRead, Grantee: &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers")}})
	_, err = e.s3.PutBucketAcl(e.ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl"), AccessControlPolicy: &types.AccessControlPolicy{Owner: acl.Owner, Grants: public}})
	requireCode(t, err, "NotImplemented")
	oacl, err := e.s3.GetObjectAcl(e.ctx, &s3.GetObjectAclInput{Bucket: aws.String("acl"), Key: aws.String("k")})
	require.NoError(t, err)
	require.Len(t, oacl.Grants, 1)

	// DELETE of a sub-resource never deletes the bucket or the object.
	for _, path := range []string{"/acl?acl", "/acl?versioning", "/acl/k?acl"} {
		req, err := http.NewRequest(http.MethodDelete, e.node.S3URL()+path, nil)
		require.NoError(t, err)
		resp := e.signedResponse(req, nil)
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, path)
	}
	require.Equal(t, "x", string(e.get("acl", "k")))
}
