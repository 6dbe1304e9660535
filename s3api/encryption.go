package s3api

import (
	"encoding/xml"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// hdrSSE is the header that asks for, and reports, server-side encryption.
const hdrSSE = "x-amz-server-side-encryption"

// The SSE-KMS headers; Cairn has no KMS (docs/encryption.md).
const (
	hdrSSEKMSKeyID   = "x-amz-server-side-encryption-aws-kms-key-id"
	hdrSSEKMSContext = "x-amz-server-side-encryption-context"
)

// errKMSNotImplemented refuses SSE-KMS, in a request header or a bucket default.
func errKMSNotImplemented() error {
	return s3err.Newf(s3err.NotImplemented, "Server-side encryption with AWS KMS keys is not implemented by Cairn; only SSE-S3 (AES256) is.")
}

// checkEncryptionHeaders accepts a write's x-amz-server-side-encryption when it is
// absent or AES256 (SSE-S3); SSE-KMS and SSE-C are NotImplemented, any other value
// InvalidArgument. get reads a request header or a POST form field.
func checkEncryptionHeaders(get func(string) string) error {
	if get("x-amz-server-side-encryption-customer-algorithm") != "" {
		return s3err.Newf(s3err.NotImplemented, "Server-side encryption with customer keys is not implemented by Cairn.")
	}
	switch v := get(hdrSSE); v {
	case "", meta.EncryptionAES256:
	case "aws:kms", "aws:kms:dsse":
		return errKMSNotImplemented()
	default:
		return s3err.Newf(s3err.InvalidArgument, "The encryption method specified is not supported").With("ArgumentName", hdrSSE).With("ArgumentValue", v)
	}
	if get(hdrSSEKMSKeyID) != "" || get(hdrSSEKMSContext) != "" {
		return errKMSNotImplemented()
	}
	return nil
}

// encryptNew reports whether a new object is to be stored encrypted: the request
// asks for it (x-amz-server-side-encryption: AES256, checked by
// checkEncryptionHeaders) or its bucket has default encryption.
func encryptNew(get func(string) string, bk meta.Bucket) bool {
	return get(hdrSSE) == meta.EncryptionAES256 || bk.Encryption.Algorithm == meta.EncryptionAES256
}

// setEncryptionHeader reports SSE-S3 on the answer about an encrypted object.
func setEncryptionHeader(h http.Header, encrypted bool) {
	if encrypted {
		h.Set(hdrSSE, meta.EncryptionAES256)
	}
}

// getBucketEncryption answers the bucket's default encryption;
// ServerSideEncryptionConfigurationNotFoundError when it has none.
func (s *Server) getBucketEncryption(c echo.Context, r *request) error {
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	if bk.Encryption.Algorithm == "" {
		return s3err.New(s3err.NoSuchEncryptionConfiguration).WithBucket(r.bucket)
	}
	return writeXML(c, http.StatusOK, s3xml.ServerSideEncryptionConfiguration{Rules: []s3xml.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: s3xml.ApplyServerSideEncryptionByDefault{SSEAlgorithm: bk.Encryption.Algorithm},
		BucketKeyEnabled:                   bk.Encryption.BucketKeyEnabled,
	}}})
}

// putBucketEncryption sets the bucket's default encryption: one rule whose
// algorithm is AES256. aws:kms and aws:kms:dsse are NotImplemented; a document
// without exactly one rule, or without its algorithm, is MalformedXML.
func (s *Server) putBucketEncryption(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	raw, err := s.readConfigBody(r)
	if err != nil {
		return err
	}
	e, err := parseBucketEncryption(raw)
	if err != nil {
		return err
	}
	if err := s.meta.PutBucketEncryption(c.Request().Context(), r.bucket, e); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// parseBucketEncryption reads a PutBucketEncryption body.
func parseBucketEncryption(raw []byte) (meta.BucketEncryption, error) {
	var doc s3xml.ServerSideEncryptionConfigurationInput
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Rules) != 1 {
		return meta.BucketEncryption{}, s3err.New(s3err.MalformedXML)
	}
	rule := doc.Rules[0]
	def := rule.ApplyServerSideEncryptionByDefault
	if def == nil || def.SSEAlgorithm == nil {
		return meta.BucketEncryption{}, s3err.New(s3err.MalformedXML)
	}
	switch *def.SSEAlgorithm {
	case meta.EncryptionAES256:
	case "aws:kms", "aws:kms:dsse":
		return meta.BucketEncryption{}, errKMSNotImplemented()
	default:
		return meta.BucketEncryption{}, s3err.New(s3err.MalformedXML)
	}
	if def.KMSMasterKeyID != nil {
		return meta.BucketEncryption{}, s3err.Newf(s3err.InvalidArgument, "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").With("ArgumentName", "ApplyServerSideEncryptionByDefault")
	}
	e := meta.BucketEncryption{Algorithm: meta.EncryptionAES256}
	if rule.BucketKeyEnabled != nil {
		e.BucketKeyEnabled = *rule.BucketKeyEnabled
	}
	return e, nil
}

// deleteBucketEncryption removes the bucket's default encryption; objects already
// written stay encrypted. A bucket without one is no error, as in S3.
func (s *Server) deleteBucketEncryption(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if err := s.meta.DeleteBucketEncryption(c.Request().Context(), r.bucket); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
