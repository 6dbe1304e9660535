package s3api

import (
	"bytes"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// body is a verified upload body and the seal that checks it before it is committed.
type body struct {
	payload *sigv4.Payload
	seal    blob.SealFunc
}

// uploadBody prepares a PUT or UploadPart body: its declared length must be known and
// within limits, and Content-MD5, x-amz-content-sha256, chunk signatures and any
// checksum are verified before the object layer commits anything.
func (s *Server) uploadBody(c echo.Context, r *request) (*body, error) {
	hr := c.Request()
	wantMD5, err := gate.ContentMD5(hr.Header)
	if err != nil {
		return nil, err
	}
	payload, err := r.gr.Payload()
	if err != nil {
		return nil, err
	}
	n := payload.Length()
	if n < 0 {
		return nil, s3err.New(s3err.MissingContentLength)
	}
	if n > s.cfg.MaxObjectSize {
		return nil, s3err.New(s3err.EntityTooLarge).With("ProposedSize", itoa(n)).With("MaxSizeAllowed", itoa(s.cfg.MaxObjectSize))
	}
	seal := func(md5sum []byte, size int64) (checksum.Checksum, error) {
		if size != n {
			return checksum.Checksum{}, s3err.New(s3err.IncompleteBody)
		}
		if wantMD5 != nil && !bytes.Equal(wantMD5, md5sum) {
			return checksum.Checksum{}, s3err.New(s3err.BadDigest)
		}
		return payload.Checksum(), nil
	}
	return &body{payload: payload, seal: seal}, nil
}
