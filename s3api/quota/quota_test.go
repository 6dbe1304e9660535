package quota

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
)

// figures is a Source whose figures the test sets.
type figures struct {
	usage map[string]blob.BucketUsage
	at    time.Time
	err   error
}

func (f *figures) QuotaUsage(context.Context) (map[string]blob.BucketUsage, time.Time, error) {
	return f.usage, f.at, f.err
}

func TestEnforcer(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	src := &figures{usage: map[string]blob.BucketUsage{"b": {Versions: 1, VersionBytes: 40}}, at: now.Add(-time.Second)}
	e := New(Config{Keep: time.Minute, Now: func() time.Time { return now }}, src)
	ctx := context.Background()
	q := meta.BucketQuota{Bytes: 100}

	// No quota: nothing is checked or counted.
	rel, err := e.Reserve(ctx, "b", meta.BucketQuota{}, 1<<40, 1)
	require.NoError(t, err)
	rel()

	// 40 measured + 50 fits; + 50 more does not: the first write counts at once.
	_, err = e.Reserve(ctx, "b", q, 50, 1)
	require.NoError(t, err)
	rel, err = e.Reserve(ctx, "b", q, 10, 1)
	require.NoError(t, err)
	_, err = e.Reserve(ctx, "b", q, 1, 1)
	var ex *Exceeded
	require.ErrorAs(t, err, &ex)
	require.True(t, errors.Is(err, ErrExceeded))
	require.EqualValues(t, 100, ex.Used.VersionBytes)
	require.Contains(t, err.Error(), "holds 100 bytes of its quota of 100; this write adds 1")

	// A failed write gives its room back (once, however often released).
	rel()
	rel()
	_, err = e.Reserve(ctx, "b", q, 10, 1)
	require.NoError(t, err)

	// Check does not count.
	require.NoError(t, e.Check(ctx, "b", meta.BucketQuota{Bytes: 1000}, 500, 0))
	require.Error(t, e.Check(ctx, "b", q, 1, 0))

	// Figures measured after the writes include them: they are not counted twice.
	now = now.Add(5 * time.Second)
	src.usage, src.at = map[string]blob.BucketUsage{"b": {Versions: 3, VersionBytes: 100}}, now
	require.Error(t, e.Check(ctx, "b", q, 1, 0))
	src.usage = map[string]blob.BucketUsage{"b": {Versions: 3, VersionBytes: 60}} // after deletes
	require.NoError(t, e.Check(ctx, "b", q, 40, 0))

	// The objects limit.
	err = e.Check(ctx, "b", meta.BucketQuota{Objects: 3}, 1, 1)
	require.ErrorAs(t, err, &ex)
	require.Contains(t, err.Error(), "holds 3 objects of its quota of 3")

	// Writes older than Keep are forgotten, even with old figures.
	src.at = time.Time{}
	src.usage = nil
	require.Error(t, e.Check(ctx, "b", q, 50, 0), "the writes above are still counted")
	now = now.Add(2 * time.Minute)
	require.NoError(t, e.Check(ctx, "b", q, 50, 0))

	// The source's error is the caller's.
	src.err = errors.New("no metadata")
	_, err = e.Reserve(ctx, "b", q, 1, 1)
	require.ErrorContains(t, err, "no metadata")
}
