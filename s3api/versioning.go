package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// versioningOf returns the object layer's view of a bucket's versioning state.
func versioningOf(b meta.Bucket) blob.Versioning { return blob.VersioningOf(b.Versioning) }

// versionIDParam returns the request's versionId ("" if none): InvalidArgument if it
// is empty or not of the form Cairn's ids take ("null" or 24 hex digits), as S3
// answers an id it could not have issued; a well-formed id that names no version is
// NoSuchVersion, later, from the object layer.
func versionIDParam(r *request) (string, error) {
	v, ok := r.query["versionId"]
	if !ok {
		return "", nil
	}
	if v[0] == "" {
		return "", s3err.Newf(s3err.InvalidArgument, "Version id cannot be the empty string").
			With("ArgumentName", "versionId").With("ArgumentValue", "")
	}
	if err := blob.CheckVersionID(v[0]); err != nil {
		return "", errInvalidVersionID("versionId", v[0])
	}
	return v[0], nil
}

// errInvalidVersionID is S3's answer to a version id that is not one: 400
// InvalidArgument, naming the parameter that carried it.
func errInvalidVersionID(param, value string) *s3err.Error {
	return s3err.Newf(s3err.InvalidArgument, "Invalid version id specified").
		With("ArgumentName", param).With("ArgumentValue", value)
}

// setVersionHeader sets x-amz-version-id for a version in a bucket that has, or had,
// versioning; S3 leaves it out in a bucket that never had it.
func setVersionHeader(h http.Header, b meta.Bucket, versionID string) {
	if b.Versioning != "" && versionID != "" {
		h.Set("x-amz-version-id", versionID)
	}
}

// setWrittenVersionHeader sets x-amz-version-id on the answer to a write (PutObject,
// PostObject, CopyObject, CompleteMultipartUpload) as setVersionHeader does, except
// for the null version a write makes in a bucket with versioning suspended: S3 then
// sends no version id (ceph's s3-tests check that it does not).
func setWrittenVersionHeader(h http.Header, b meta.Bucket, versionID string) {
	if versionID != blob.NullVersion {
		setVersionHeader(h, b, versionID)
	}
}

// deleteMarkerHeaders sets the headers of an answer about a delete marker, from a
// read that met one (a *blob.DeleteMarkerError): x-amz-delete-marker and the
// marker's x-amz-version-id, and for one named by its id (405) Last-Modified and
// Allow. It reports whether err was one.
func deleteMarkerHeaders(h http.Header, err error) bool {
	var dm *blob.DeleteMarkerError
	if !errors.As(err, &dm) {
		return false
	}
	h.Set("x-amz-delete-marker", "true")
	h.Set("x-amz-version-id", dm.VersionID)
	if dm.ByID {
		// 405 MethodNotAllowed: S3 names the marker's date and the one method
		// a delete marker allows.
		h.Set("Last-Modified", dm.LastModified.UTC().Format(http.TimeFormat))
		h.Set("Allow", http.MethodDelete)
	}
	return true
}

// versionError turns the object layer's version errors into S3's.
func versionError(err error, r *request, method, versionID string) error {
	switch {
	case errors.Is(err, blob.ErrNoSuchVersion):
		return s3err.New(s3err.NoSuchVersion).WithKey(r.key).With("VersionId", versionID)
	case errors.Is(err, blob.ErrMethodNotAllowed):
		return s3err.Newf(s3err.MethodNotAllowed, "The specified method is not allowed against this resource.").
			With("Method", method).With("ResourceType", "DeleteMarker")
	case errors.Is(err, blob.ErrInvalidVersionID):
		return s3err.Newf(s3err.InvalidArgument, "Invalid version id specified").With("ArgumentName", "versionId")
	}
	return err
}

// openVersion opens the version the request names (the current one without
// versionId), with S3's errors and the delete-marker headers.
func (s *Server) openVersion(c echo.Context, r *request, bucket, key, versionID string) (*blob.Object, error) {
	obj, err := s.store.OpenVersion(c.Request().Context(), bucket, key, versionID)
	if err != nil {
		s.deleteOriginHeaders(c.Response().Header(), err)
		return nil, versionError(err, r, c.Request().Method, versionID)
	}
	return obj, nil
}

func (s *Server) getBucketVersioning(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	// The leader's state, not this node's: a client that just changed the setting
	// through another node reads it back (meta.BucketLatest).
	b, err := s.meta.BucketLatest(c.Request().Context(), r.bucket)
	if err != nil {
		return err
	}
	return writeXML(c, http.StatusOK, s3xml.VersioningConfiguration{Status: b.Versioning})
}

// putBucketVersioning sets the bucket's versioning to Enabled or Suspended. MFA
// delete is not supported: MfaDelete Enabled is refused with NotImplemented, Disabled
// is accepted and changes nothing.
func (s *Server) putBucketVersioning(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	raw, err := s.readConfigBody(r)
	if err != nil {
		return err
	}
	var doc s3xml.VersioningConfigurationInput
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return s3err.New(s3err.MalformedXML)
	}
	switch doc.MfaDelete {
	case "", "Disabled":
	case "Enabled":
		return s3err.Newf(s3err.NotImplemented, "MFA delete is not supported by Cairn.")
	default:
		return s3err.New(s3err.MalformedXML)
	}
	if doc.Status != meta.VersioningEnabled && doc.Status != meta.VersioningSuspended {
		return s3err.New(s3err.MalformedXML)
	}
	err = s.meta.PutBucketVersioning(c.Request().Context(), r.bucket, doc.Status)
	if errors.Is(err, meta.ErrInvalidBucketState) {
		return s3err.Newf(s3err.InvalidBucketState, "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.").WithBucket(r.bucket)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// listObjectVersions answers ListObjectVersions, on any bucket (in one that never had
// versioning, every object is its null version).
func (s *Server) listObjectVersions(c echo.Context, r *request) error {
	p, err := parseListParams(r, "max-keys")
	if err != nil {
		return err
	}
	keyMarker, vidMarker := r.query.Get("key-marker"), r.query.Get("version-id-marker")
	if vidMarker != "" && keyMarker == "" {
		return s3err.Newf(s3err.InvalidArgument, "A version-id marker cannot be specified without a key marker.").
			With("ArgumentName", "version-id-marker")
	}
	if vidMarker != "" && blob.CheckVersionID(vidMarker) != nil {
		return errInvalidVersionID("version-id-marker", vidMarker)
	}
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	var res blob.ListVersionsResult
	if p.maxKeys > 0 {
		res, err = s.store.ListObjectVersions(c.Request().Context(), blob.ListVersionsInput{
			Bucket: r.bucket, Prefix: p.prefix, Delimiter: p.delimiter,
			KeyMarker: keyMarker, VersionIDMarker: vidMarker, Limit: p.maxKeys,
		})
		if err != nil {
			return err
		}
	}
	enc := p.encoder()
	out := s3xml.ListVersionsResult{
		Name: r.bucket, Prefix: enc(p.prefix), KeyMarker: enc(keyMarker), VersionIDMarker: vidMarker,
		MaxKeys: p.maxKeys, Delimiter: enc(p.delimiter), IsTruncated: res.IsTruncated,
		EncodingType: p.encoding, CommonPrefixes: commonPrefixes(res.CommonPrefixes, enc),
	}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = enc(res.NextKeyMarker), res.NextVersionIDMarker
	}
	ow := owner(b.Owner)
	for _, v := range res.Versions {
		e := s3xml.VersionEntry{
			XMLName: xml.Name{Local: "Version"}, Key: enc(v.Key), VersionID: v.VersionID,
			IsLatest: v.IsLatest, LastModified: s3xml.Time(v.LastModified), Owner: &ow,
		}
		if v.DeleteMarker {
			e.XMLName.Local = "DeleteMarker"
		} else {
			size := v.Size
			e.ETag, e.Size, e.StorageClass = quote(v.ETag), &size, "STANDARD"
			if !v.Checksum.IsZero() {
				e.ChecksumAlgorithm = []string{string(v.Checksum.Algorithm)}
				e.ChecksumType = string(v.Checksum.Type)
			}
		}
		out.Entries = append(out.Entries, e)
	}
	return writeXML(c, http.StatusOK, out)
}
