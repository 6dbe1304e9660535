package admin

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// The usage endpoints: every bucket's usage (cluster-wide, from the nodes' object
// layers) and requests (summed over the nodes that answered).

// BucketStatsSource gathers the buckets' usage and request counters from every
// node; cmd/node supplies it. Optional: without it the usage endpoints answer
// NotImplemented.
type BucketStatsSource interface {
	// BucketStats returns the figures of the buckets that exist, from the nodes that
	// answered within ctx.
	BucketStats(ctx context.Context) (BucketStatsReport, error)
}

func (s *Server) listBucketUsage(cl *call) error {
	rep, err := s.bucketStats(cl.Request().Context())
	if err != nil {
		return err
	}
	slices.SortFunc(rep.Items, func(a, b BucketStats) int { return strings.Compare(a.Name, b.Name) })
	return cl.ok(http.StatusOK, rep)
}

func (s *Server) getBucketUsage(cl *call) error {
	ctx, name := cl.Request().Context(), cl.param("name")
	cl.bucket = name
	if _, err := s.deps.Meta.Bucket(ctx, name); err != nil {
		return err
	}
	rep, err := s.bucketStats(ctx)
	if err != nil {
		return err
	}
	one := BucketStats{Name: name}
	if i := slices.IndexFunc(rep.Items, func(b BucketStats) bool { return b.Name == name }); i >= 0 {
		one = rep.Items[i]
	}
	rep.Items = []BucketStats{one}
	return cl.ok(http.StatusOK, rep)
}

func (s *Server) bucketStats(ctx context.Context) (BucketStatsReport, error) {
	if s.deps.BucketStats == nil {
		return BucketStatsReport{}, errorf(NotImplemented, "This node does not report bucket usage.")
	}
	return s.deps.BucketStats.BucketStats(ctx)
}
