package replication_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// versionsPolicy is syncPolicy with s3:ListBucketVersions, which sending the
// versions in between needs, and s3:DeleteObjectVersion, which replicating a
// removal by id needs.
var versionsPolicy = withVersionActions(syncPolicy)

// withVersionActions adds s3:ListBucketVersions and s3:DeleteObjectVersion to a
// policy that allows s3:ListBucket.
func withVersionActions(policy string) string {
	return strings.Replace(policy, `"s3:ListBucket",`, `"s3:ListBucket", "s3:ListBucketVersions", "s3:DeleteObjectVersion",`, 1)
}

// history is a key's versions and delete markers on a site, oldest first, each as
// its slot time (the version id's first 16 hex digits) and what it holds.
func (st *site) history(t *testing.T, key string) []string {
	t.Helper()
	out, err := st.s3.ListObjectVersions(t.Context(), &s3.ListObjectVersionsInput{Bucket: aws.String("shared"), Prefix: aws.String(key)})
	require.NoError(t, err)
	var h []string
	for _, v := range out.Versions {
		got, err := st.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), VersionId: v.VersionId})
		require.NoError(t, err)
		body := make([]byte, aws.ToInt64(got.ContentLength))
		_, _ = got.Body.Read(body)
		got.Body.Close()
		h = append(h, aws.ToString(v.VersionId)[:16]+" "+string(body))
	}
	for _, m := range out.DeleteMarkers {
		h = append(h, aws.ToString(m.VersionId)[:16]+" (deleted)")
	}
	slices.Sort(h)
	return h
}

// TestBidirectionalSendsTheVersionsInBetween: under bidirectional rules between
// versioned Cairn sites, a key written, deleted and written again while the link
// is cut reaches the other site with every version and delete marker, at the same
// times and so in the same order, not only its current state; nothing comes back,
// and the other site's own versions stay.
func TestBidirectionalSendsTheVersionsInBetween(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, true), newSite(t, true)
	toB := a.syncToAs(t, b, meta.ModeBidirectional, versionsPolicy)
	toA := b.syncToAs(t, a, meta.ModeBidirectional, versionsPolicy)
	toB.cut()
	put := func(st *site, key, body string) {
		_, err := st.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader(body)})
		require.NoError(t, err)
	}
	for i := range 3 {
		put(a, "k", fmt.Sprint("v", i))
	}
	_, err := a.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	put(a, "k", "v3")
	put(b, "only-b", "b's")
	want := a.history(t, "k")
	require.Len(t, want, 5)
	toB.restore()
	nodetest.WaitFor(t, "b holds k's whole history", func() bool { return slices.Equal(b.history(t, "k"), want) })
	got, ok, err := read(ctx, b.s3, "shared", "k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v3", got.body)
	waitRounds(t, a.n, b.n)
	carried := toA.carried.Load()
	settled := a.status(t)
	for range 3 {
		waitRounds(t, a.n, b.n)
	}
	require.Equal(t, want, a.history(t, "k"), "something came back to a")
	require.Equal(t, want, b.history(t, "k"))
	require.Equal(t, carried, toA.carried.Load(), "b kept sending to a")
	require.Len(t, a.history(t, "only-b"), 1)
	a.requireNoNewFailures(t, settled)
}
