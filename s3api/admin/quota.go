package admin

import (
	"net/http"

	"github.com/cairnstore/cairn/meta"
)

// The quota endpoints: a bucket's quota (docs/quotas.md), which the S3 API enforces.

// BucketQuota is a bucket's quota: the most bytes (of every version that holds data)
// and versions it may hold; 0 or absent is no limit of that kind.
type BucketQuota struct {
	Bytes   int64 `json:"bytes"`
	Objects int64 `json:"objects"`
}

// BucketQuotaAnswer is the answer of the quota endpoints: the quota and the bucket's
// usage as the quota counts it (the nodes' figures, at most --usage-max-age old).
type BucketQuotaAnswer struct {
	Bucket string      `json:"bucket"`
	Quota  BucketQuota `json:"quota"`
	// Usage is absent when this node does not report usage.
	Usage *BucketUsage `json:"usage,omitempty"`
}

func (s *Server) getBucketQuota(cl *call) error {
	ctx, name := cl.Request().Context(), cl.param("name")
	cl.bucket = name
	b, err := s.deps.Meta.Bucket(ctx, name)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, s.quotaAnswer(cl, b.Name, b.Quota))
}

func (s *Server) setBucketQuota(cl *call) error {
	name := cl.param("name")
	cl.bucket = name
	var in BucketQuota
	if err := cl.decode(&in); err != nil {
		return err
	}
	if in.Bytes < 0 || in.Objects < 0 {
		return errorf(InvalidRequest, "A quota's bytes and objects are 0 (no limit) or positive.")
	}
	q := meta.BucketQuota{Bytes: in.Bytes, Objects: in.Objects}
	if err := s.deps.Meta.SetBucketQuota(cl.Request().Context(), name, q); err != nil {
		return err
	}
	return cl.ok(http.StatusOK, s.quotaAnswer(cl, name, q))
}

func (s *Server) deleteBucketQuota(cl *call) error {
	name := cl.param("name")
	cl.bucket = name
	if err := s.deps.Meta.SetBucketQuota(cl.Request().Context(), name, meta.BucketQuota{}); err != nil {
		return err
	}
	return cl.NoContent(http.StatusNoContent)
}

// quotaAnswer is the answer for bucket with quota q, with its usage when known.
func (s *Server) quotaAnswer(cl *call, bucket string, q meta.BucketQuota) BucketQuotaAnswer {
	out := BucketQuotaAnswer{Bucket: bucket, Quota: BucketQuota{Bytes: q.Bytes, Objects: q.Objects}}
	if s.deps.BucketStats == nil {
		return out
	}
	rep, err := s.deps.BucketStats.BucketStats(cl.Request().Context())
	if err != nil {
		return out
	}
	for _, b := range rep.Items {
		if b.Name == bucket {
			u := b.Usage
			out.Usage = &u
		}
	}
	return out
}
