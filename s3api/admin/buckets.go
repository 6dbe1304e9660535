package admin

import (
	"errors"
	"net/http"

	"github.com/cairnstore/cairn/meta"
)

// The bucket endpoints: a read-only view for operators. Buckets are created and
// configured through the S3 API.

func (s *Server) listBuckets(cl *call) error {
	bs, err := s.deps.Meta.Buckets(cl.Request().Context())
	if err != nil {
		return err
	}
	out := List[Bucket]{Items: make([]Bucket, 0, len(bs))}
	for _, b := range bs {
		out.Items = append(out.Items, Bucket{Name: b.Name, Owner: b.Owner, Region: b.Region, CreatedAt: b.CreatedAt})
	}
	return cl.ok(http.StatusOK, out)
}

func (s *Server) getBucket(cl *call) error {
	ctx, name := cl.Request().Context(), cl.param("name")
	cl.bucket = name
	b, err := s.deps.Meta.Bucket(ctx, name)
	if err != nil {
		return err
	}
	_, err = s.deps.Meta.BucketPolicy(ctx, name)
	hasPolicy := err == nil
	if err != nil && !errors.Is(err, meta.ErrNoSuchBucketPolicy) {
		return err
	}
	out := Bucket{Name: b.Name, Owner: b.Owner, Region: b.Region, CreatedAt: b.CreatedAt, HasPolicy: &hasPolicy}
	if !b.Quota.IsZero() {
		out.Quota = &BucketQuota{Bytes: b.Quota.Bytes, Objects: b.Quota.Objects}
	}
	return cl.ok(http.StatusOK, out)
}
