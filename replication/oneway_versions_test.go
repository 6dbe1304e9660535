package replication_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// deleteKey puts a delete marker on key on st and returns its version id.
func (st *site) deleteKey(t *testing.T, key string) string {
	t.Helper()
	out, err := st.s3.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
	require.NoError(t, err)
	return aws.ToString(out.VersionId)
}

// requireReadsByID requires every version among ids (versionIDs entries) to be
// read on st by its id, with its ETag.
func (st *site) requireReadsByID(t *testing.T, key string, ids []string) {
	t.Helper()
	for _, e := range ids {
		if strings.HasSuffix(e, "(deleted)") {
			continue
		}
		got, err := st.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), VersionId: aws.String(idOf(e))})
		require.NoError(t, err, "version %s read by its id", idOf(e))
		require.Equal(t, strings.Fields(e)[1], aws.ToString(got.ETag))
		got.Body.Close()
	}
}

// TestOneWayKeepsEveryVersionAndItsID: a one-way rule from a versioned bucket to a
// versioned bucket of a Cairn site sends every version and delete marker, under
// the same version ids, in the same order, those made while the link was cut
// too, as S3's replication does; a version removed by id on the source is not
// removed on the target (S3 does not replicate such a removal either), and
// nothing is sent again.
func TestOneWayKeepsEveryVersionAndItsID(t *testing.T) {
	a, b := newSite(t, true), newSite(t, true)
	toB := a.syncToAs(t, b, meta.ModeNewOnly, versionsPolicy)

	first := a.put(t, "k", "v1")
	require.Equal(t, []string{first + ` "` + md5hex("v1") + `"`}, waitSameVersions(t, a, b, "k", 1))

	toB.cut()
	second := a.put(t, "k", "v2")
	a.put(t, "k", "v3")
	marker := a.deleteKey(t, "k")
	last := a.put(t, "k", "v4")
	toB.restore()
	ids := waitSameVersions(t, a, b, "k", 5)
	require.Contains(t, ids, marker+" (deleted)")
	b.requireReadsByID(t, "k", ids)
	require.Equal(t, a.history(t, "k"), b.history(t, "k"), "the same versions at the same times, so in the same order")
	head, err := b.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	require.Equal(t, last, aws.ToString(head.VersionId), "b's current version is a's last, by its id")
	require.Equal(t, "REPLICA", outputHeaders(head.ResultMetadata).Get("x-amz-replication-status"))

	// A delete marker as the current state goes under its id too.
	del := a.deleteKey(t, "k")
	ids = waitSameVersions(t, a, b, "k", 6)
	require.Contains(t, ids, del+" (deleted)")

	// Removed by id on a: b keeps it.
	a.removeVersion(t, "k", second)
	waitRounds(t, a.n)
	settled := a.status(t)
	for range 3 {
		waitRounds(t, a.n)
	}
	require.Len(t, a.versionIDs(t, "k"), 5)
	require.Equal(t, ids, b.versionIDs(t, "k"), "a removal by id is not replicated one way")
	a.requireNoNewFailures(t, settled)
}

// TestOneWayBackfillCopiesEveryVersion: an all rule's backfill from a versioned
// bucket copies each key's every version and delete marker under their ids, a
// key whose current state is a delete marker included, across several pages of
// three versions (a key cut off by a page's end, and a key of more versions than
// a page).
func TestOneWayBackfillCopiesEveryVersion(t *testing.T) {
	a := newSite(t, true, func(c *node.Config) { c.Timings.SiteSyncBackfillPage = 3 })
	b := newSite(t, true)
	keys := map[string]int{}
	for i := range 6 {
		key := fmt.Sprintf("k%d", i)
		for j := range i + 1 {
			a.put(t, key, fmt.Sprintf("%s-%d", key, j))
		}
		keys[key] = i + 1
		if i%2 == 1 {
			a.deleteKey(t, key)
			keys[key]++
		}
	}
	b.put(t, "k2", "b's own, older than nothing of a's") // a later write on the target stays current there
	a.syncToAs(t, b, meta.ModeAll, versionsPolicy)
	nodetest.WaitFor(t, "the backfill is done", func() bool { return a.n.Meta().ReplicationProgress("shared", "to-peer").BackfillDone })
	for key, n := range keys {
		if key == "k2" {
			continue
		}
		ids := waitSameVersions(t, a, b, key, n)
		b.requireReadsByID(t, key, ids)
	}
	got := b.versionIDs(t, "k2")
	want := a.versionIDs(t, "k2")
	require.Len(t, got, len(want)+1, "b keeps its own version of k2 beside a's")
	for _, e := range want {
		require.Contains(t, got, e)
	}
	body, ok, err := read(t.Context(), b.s3, "shared", "k2")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "b's own, older than nothing of a's", body.body, "b's own write is the later: it stays current")
}

// TestOneWayAfterVersioningIsEnabled: a key whose copy on the target was sent
// before the source bucket was versioned (stored at the target's time, without
// the source's) is not hidden behind: a write of the source's that the copy is
// not provably older than is sent at the target's time too, and becomes current;
// the key's later writes keep their ids.
func TestOneWayAfterVersioningIsEnabled(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, true), newSite(t, true)
	a.syncToAs(t, b, meta.ModeNewOnly, versionsPolicy)
	require.NoError(t, a.n.Meta().SetReplicationRulePaused(ctx, "shared", "to-peer", true))
	a.put(t, "k", "source's")
	// Stored on b after a's write, without a time, as a one-way rule from an
	// unversioned bucket sends: the copy of an older write of a's.
	hb, err := a.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("shared")})
	require.NoError(t, err)
	siteA := outputHeaders(hb.ResultMetadata).Get("x-cairn-site-id")
	sender := b.client(b.user(t, "untimed", versionsPolicy))
	_, err = sender.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), Body: strings.NewReader("stale copy")},
		func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-cairn-origin-site", siteA))
		})
	require.NoError(t, err)
	require.NoError(t, a.n.Meta().SetReplicationRulePaused(ctx, "shared", "to-peer", false))
	nodetest.WaitFor(t, "a's write is current on b", func() bool {
		got, ok, err := read(ctx, b.s3, "shared", "k")
		return err == nil && ok && got.body == "source's"
	})
	waitRounds(t, a.n)
	require.Len(t, b.versionIDs(t, "k"), 2, "sent once")

	nodetest.WaitFor(t, "a second passes", func() bool {
		head, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
		require.NoError(t, err)
		return head.LastModified.Add(1100 * time.Millisecond).Before(time.Now())
	})
	next := a.put(t, "k", "next")
	nodetest.WaitFor(t, "the next write reaches b under its id", func() bool {
		return slices.Contains(b.versionIDs(t, "k"), next+` "`+md5hex("next")+`"`)
	})
	head, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	require.Equal(t, next, aws.ToString(head.VersionId))
}
