package s3api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// objectAttributes are the names x-amz-object-attributes may list.
var objectAttributes = map[string]bool{
	"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true,
}

// getObjectAttributes answers GET ?attributes: the attributes named in
// x-amz-object-attributes, without the body. ObjectParts pages through a multipart
// object's parts (x-amz-max-parts, default and at most 1000; x-amz-part-number-marker)
// with each part's checksum where one was stored; a single-PUT object has none.
func (s *Server) getObjectAttributes(c echo.Context, r *request) error {
	hr := c.Request()
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, v := range hr.Header.Values("x-amz-object-attributes") {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if !objectAttributes[name] {
				return s3err.Newf(s3err.InvalidArgument, "Invalid attribute name specified.").With("ArgumentName", "x-amz-object-attributes").With("ArgumentValue", name)
			}
			want[name] = true
		}
	}
	if len(want) == 0 {
		return s3err.Newf(s3err.InvalidArgument, "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty").With("ArgumentName", "x-amz-object-attributes")
	}
	maxParts, err := headerInt(hr.Header, "x-amz-max-parts", 1000)
	if err != nil {
		return err
	}
	marker, err := headerInt(hr.Header, "x-amz-part-number-marker", 0)
	if err != nil {
		return err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return err
	}
	obj, err := s.openVersion(c, r, r.bucket, r.key, vid)
	if err != nil {
		return err
	}
	info := obj.Info
	h := c.Response().Header()
	if bk, err := s.bucket(c, r); err == nil {
		setVersionHeader(h, bk, info.VersionID)
	}
	h.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	if err := checkConditions(hr.Header, readConditions, info, s3err.NotModified); err != nil {
		return err
	}
	var out s3xml.GetObjectAttributesResponse
	if want["ETag"] {
		out.ETag = info.ETag // unquoted, as S3 returns it here
	}
	if want["Checksum"] && !info.Checksum.IsZero() {
		sum := xmlChecksums(info.Checksum)
		out.Checksum = &sum
	}
	if want["StorageClass"] {
		out.StorageClass = storageClassOf(info.Headers)
	}
	if want["ObjectSize"] {
		out.ObjectSize = &info.Size
	}
	if want["ObjectParts"] && len(info.Parts) > 0 {
		op := &s3xml.ObjectParts{MaxParts: maxParts, PartNumberMarker: marker, PartsCount: len(info.Parts)}
		for _, p := range info.Parts {
			if p.PartNumber <= marker {
				continue
			}
			if len(op.Parts) == maxParts {
				op.IsTruncated = true
				break
			}
			part := s3xml.ObjectPart{PartNumber: p.PartNumber, Size: p.Size, Checksums: xmlChecksums(p.Checksum)}
			part.ChecksumType = ""
			op.Parts = append(op.Parts, part)
			op.NextPartNumberMarker = p.PartNumber
		}
		out.ObjectParts = op
	}
	return writeXML(c, http.StatusOK, out)
}

// headerInt reads a non-negative integer header, def if absent; max-parts is capped
// at 1000 as in S3.
func headerInt(h http.Header, name string, def int) (int, error) {
	v := h.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, s3err.Newf(s3err.InvalidArgument, "Invalid %s value.", name).With("ArgumentName", name).With("ArgumentValue", v)
	}
	if name == "x-amz-max-parts" {
		n = min(n, 1000)
	}
	return n, nil
}
