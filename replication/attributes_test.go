package replication_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// attributesPolicy is syncPolicy with the tag and object lock actions a sync
// principal needs to carry attribute changes.
const attributesPolicy = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
 "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ReplicateObject", "s3:ReplicateDelete",
            "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging",
            "s3:GetObjectRetention", "s3:PutObjectRetention", "s3:BypassGovernanceRetention",
            "s3:GetObjectLegalHold", "s3:PutObjectLegalHold"],
 "Resource": ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"]}]}`

// newLockSite is a single-node site whose bucket "shared" has object lock (and so
// versioning).
func newLockSite(t *testing.T, options ...func(*node.Config)) *site {
	t.Helper()
	opts := append([]func(*node.Config){func(c *node.Config) { c.Timings.SiteSync = 50 * time.Millisecond }}, options...)
	n := nodetest.Start(t, opts...)
	st := &site{n: n, s3: s3Client(n)}
	_, err := st.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("shared"), ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
	return st
}

// lockState is a key's current version's tags, retention and legal hold, as its
// site's root reads them.
type lockState struct {
	tags  string
	mode  string
	until time.Time
	hold  string
	meta  string
}

func (st *site) lockState(t *testing.T, key string) lockState {
	t.Helper()
	ctx := t.Context()
	b, k := aws.String("shared"), aws.String(key)
	head, err := st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: k})
	if err != nil {
		return lockState{}
	}
	tags, err := st.s3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: k})
	require.NoError(t, err)
	s := lockState{tags: fmt.Sprint(tagMapOf(tags.TagSet)), mode: string(head.ObjectLockMode), hold: string(head.ObjectLockLegalHoldStatus),
		meta: fmt.Sprint(head.Metadata)}
	if head.ObjectLockRetainUntilDate != nil {
		s.until = head.ObjectLockRetainUntilDate.UTC()
	}
	return s
}

func tagMapOf(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// TestTagsMetadataAndObjectLockReplicate: between two Cairn sites with object
// lock, a version's retention, legal hold, tags and user metadata reach the
// target as they are on the source, first with the object and then as each
// changes (extended, shortened with the bypass, removed, put on and taken off);
// a change of tags, retention or legal hold is carried without copying the object
// again (the target keeps one version of the key). Under bidirectional rules the
// same holds both ways, the last change of a version's attributes wins on both
// sides, and once they agree nothing more crosses either link.
func TestTagsMetadataAndObjectLockReplicate(t *testing.T) {
	for _, mode := range []string{meta.ModeNewOnly, meta.ModeBidirectional} {
		t.Run(mode, func(t *testing.T) {
			ctx := t.Context()
			a, b := newLockSite(t), newLockSite(t)
			toB := a.syncToAs(t, b, mode, attributesPolicy)
			var toA *proxy
			if mode == meta.ModeBidirectional {
				toA = b.syncToAs(t, a, mode, attributesPolicy)
			}
			bk := aws.String("shared")
			until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
			_, err := a.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bk, Key: aws.String("locked"), Body: strings.NewReader("kept"),
				ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(until),
				ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn, Tagging: aws.String("class=records")})
			require.NoError(t, err)
			_, err = a.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bk, Key: aws.String("plain"), Body: strings.NewReader("plain"),
				Metadata: map[string]string{"v": "1"}})
			require.NoError(t, err)

			same := func(keys ...string) func() bool {
				return func() bool {
					for _, k := range keys {
						if sa, sb := a.lockState(t, k), b.lockState(t, k); sa != sb || sa == (lockState{}) {
							return false
						}
					}
					return true
				}
			}
			nodetest.WaitFor(t, "the objects reach b with their lock and tags", same("locked", "plain"))
			got := b.lockState(t, "locked")
			require.Equal(t, lockState{tags: "map[class:records]", mode: "COMPLIANCE", until: until, hold: "ON", meta: "map[]"}, got)

			// Attribute changes on a: extend the COMPLIANCE retention, take the
			// hold off, put a GOVERNANCE retention and tags on "plain".
			later := until.Add(time.Hour)
			_, err = a.s3.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: bk, Key: aws.String("locked"),
				Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(later)}})
			require.NoError(t, err)
			_, err = a.s3.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: bk, Key: aws.String("locked"),
				LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
			require.NoError(t, err)
			_, err = a.s3.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: bk, Key: aws.String("plain"),
				Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(later)}})
			require.NoError(t, err)
			_, err = a.s3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: bk, Key: aws.String("plain"),
				Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("stage"), Value: aws.String("two")}}}})
			require.NoError(t, err)
			defer func() {
				if t.Failed() {
					for _, k := range []string{"locked", "plain"} {
						t.Logf("%s: a %+v b %+v", k, a.lockState(t, k), b.lockState(t, k))
					}
					t.Logf("status %+v", a.n.SiteSync().Status())
				}
			}()
			nodetest.WaitFor(t, "the attribute changes reach b", same("locked", "plain"))
			require.Equal(t, "OFF", b.lockState(t, "locked").hold)
			require.Equal(t, later, b.lockState(t, "locked").until)
			require.Equal(t, "GOVERNANCE", b.lockState(t, "plain").mode)
			for _, k := range []string{"locked", "plain"} {
				require.Equal(t, 1, b.versions(t, k), "%s: an attribute change copied the object again", k)
			}

			// Remove the GOVERNANCE retention (root may bypass it) and change the
			// user metadata (a copy onto itself: a new version, sent as one).
			_, err = a.s3.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: bk, Key: aws.String("plain"),
				Retention: &types.ObjectLockRetention{}, BypassGovernanceRetention: aws.Bool(true)})
			require.NoError(t, err)
			nodetest.WaitFor(t, "the removal reaches b", same("plain"))
			require.Empty(t, b.lockState(t, "plain").mode)
			_, err = a.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bk, Key: aws.String("plain"), CopySource: aws.String("shared/plain"),
				MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"v": "2"}})
			require.NoError(t, err)
			nodetest.WaitFor(t, "the metadata change reaches b", same("plain"))
			require.Equal(t, "map[v:2]", b.lockState(t, "plain").meta)

			if mode == meta.ModeBidirectional {
				// A change on b goes to a; two changes of the same version's tags,
				// on a and then on b, end as b's on both.
				_, err = b.s3.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: bk, Key: aws.String("locked"),
					LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
				require.NoError(t, err)
				nodetest.WaitFor(t, "b's legal hold reaches a", func() bool { return a.lockState(t, "locked").hold == "ON" })
				toA.cut()
				toB.cut()
				for i, st := range []*site{a, b} {
					_, err = st.s3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: bk, Key: aws.String("locked"),
						Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("by"), Value: aws.String(fmt.Sprint(i))}}}})
					require.NoError(t, err)
				}
				toA.restore()
				toB.restore()
				nodetest.WaitFor(t, "both sites hold the later tags", func() bool {
					return a.lockState(t, "locked").tags == "map[by:1]" && same("locked")()
				})
				for _, st := range []*site{a, b} {
					require.Equal(t, 1, st.versions(t, "locked"))
				}
				waitRounds(t, a.n, b.n)
				carried := toA.carried.Load() + toB.carried.Load()
				settled := a.status(t)
				for range 3 {
					waitRounds(t, a.n, b.n)
				}
				require.Equal(t, carried, toA.carried.Load()+toB.carried.Load(), "bytes sent between the sites after they agreed: a loop")
				require.True(t, same("locked", "plain")(), "the sites moved apart again")
				a.requireNoNewFailures(t, settled)
			} else {
				require.Empty(t, a.status(t).LastError)
			}
		})
	}
}

// TestLargeAndMultipartObjectsCopiedInParts: an object the source holds in parts
// is copied in the same parts, so the target's ETag is the source's and a later
// backfill finds nothing to copy; an object in one part above the multipart
// threshold (lowered here from 5 GiB) is copied by a multipart upload too. Both
// arrive whole, with their headers, metadata and tags, and as replicas.
func TestLargeAndMultipartObjectsCopiedInParts(t *testing.T) {
	ctx := t.Context()
	small := func(c *node.Config) {
		c.Timings.SiteSyncMultipartThreshold = 6 << 20
		c.Timings.SiteSyncPartSize = 5 << 20
	}
	a, b := newLockSite(t, small), newLockSite(t)
	bk := aws.String("shared")
	data := func(n int, seed byte) []byte {
		out := make([]byte, n)
		for i := range out {
			out[i] = seed + byte(i*7/13)
		}
		return out
	}
	big := data(13<<20, 1)
	_, err := a.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bk, Key: aws.String("big"), Body: bytes.NewReader(big),
		ContentType: aws.String("application/x-big"), Metadata: map[string]string{"k": "v"}, Tagging: aws.String("t=1")})
	require.NoError(t, err)
	up, err := a.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bk, Key: aws.String("parts"),
		ContentType: aws.String("text/x-parts"), Metadata: map[string]string{"p": "q"}})
	require.NoError(t, err)
	var parts []types.CompletedPart
	var whole []byte
	for i, size := range []int{5 << 20, 5<<20 + 3, 1000} {
		p := data(size, byte(10+i))
		whole = append(whole, p...)
		out, err := a.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: bk, Key: aws.String("parts"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	done, err := a.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bk, Key: aws.String("parts"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	require.NoError(t, err)

	// Made before the rule: a backfill copies them.
	a.syncToAs(t, b, meta.ModeAll, attributesPolicy)
	nodetest.WaitFor(t, "the backfill finishes", func() bool {
		st := a.n.SiteSync().Status()
		return len(st) > 0 && st[0].BackfillDone
	})
	for key, want := range map[string][]byte{"big": big, "parts": whole} {
		got, ok, err := read(ctx, b.s3, "shared", key)
		require.NoError(t, err)
		require.True(t, ok, key)
		require.True(t, bytes.Equal(want, []byte(got.body)), "%s arrived changed", key)
	}
	head, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bk, Key: aws.String("parts")})
	require.NoError(t, err)
	require.Equal(t, aws.ToString(done.ETag), aws.ToString(head.ETag), "the copy's parts are not the source's")
	require.Equal(t, "text/x-parts", aws.ToString(head.ContentType))
	require.Equal(t, map[string]string{"p": "q"}, head.Metadata)
	require.Equal(t, types.ReplicationStatusReplica, head.ReplicationStatus, "a multipart copy keeps its origin")
	head, err = b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bk, Key: aws.String("big")})
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(aws.ToString(head.ETag), `-3"`), "big was not copied in three parts: %s", aws.ToString(head.ETag))
	require.Equal(t, "application/x-big", aws.ToString(head.ContentType))
	require.Equal(t, "map[t:1]", b.lockState(t, "big").tags)
	st := a.status(t)
	require.Equal(t, int64(2), st.BackfillCopied)
	require.Equal(t, int64(len(big)+len(whole)), st.BackfillBytes)
	// The backfill's totals, through the admin API as the CLI reads them.
	list, err := adminClient(t, a.n).ReplicationStatus(ctx)
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	st = list.Items[0]
	require.Equal(t, int64(2), st.BackfillTotalObjects)
	require.Equal(t, int64(len(big)+len(whole)), st.BackfillTotalBytes)
	require.Equal(t, st.BackfillTotalBytes, st.BackfillComparedBytes)
	require.False(t, st.BackfillCounting)
	require.False(t, st.BackfillStarted.IsZero())

	// A second backfill (a new rule) compares again: the multipart copy's ETag
	// matches, so only "big" (one part on the source, three on the target) is
	// copied again.
	_, err = a.n.Meta().CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "shared", ID: "again", Connection: "peer",
		TargetBucket: "shared", Mode: meta.ModeAll})
	require.NoError(t, err)
	var again meta.ReplicationStatus
	nodetest.WaitFor(t, "the second backfill finishes", func() bool {
		for _, s := range a.n.SiteSync().Status() {
			if s.ID == "again" {
				again = s
			}
		}
		return again.BackfillDone
	})
	require.Equal(t, int64(2), again.BackfillCompared)
	require.Equal(t, int64(1), again.BackfillCopied, "the multipart object was copied again")
	require.Empty(t, a.status(t).LastError)
}

// TestTagChangeWithoutTagReadPermission: a target principal that may write
// objects but not read their tags or lock (syncPolicy) still gets a tag change:
// the object is sent whole with its new tags, as before attribute changes were
// sent on their own, instead of failing for ever on the refused read.
func TestTagChangeWithoutTagReadPermission(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, false), newSite(t, false)
	a.syncTo(t, b, meta.ModeNewOnly)
	_, err := a.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"),
		Body: strings.NewReader("v"), Tagging: aws.String("t=1")})
	require.NoError(t, err)
	nodetest.WaitFor(t, "the object reaches b", func() bool { return b.lockState(t, "k").tags == "map[t:1]" })
	_, err = a.s3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("shared"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("t"), Value: aws.String("2")}}}})
	require.NoError(t, err)
	nodetest.WaitFor(t, "the tag change reaches b", func() bool { return b.lockState(t, "k").tags == "map[t:2]" })
}

// TestMultipartCopyInAnUnversionedBucket: a multipart object of an unversioned
// bucket (whose versions are all "null") is copied in its parts too.
func TestMultipartCopyInAnUnversionedBucket(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, false), newSite(t, false)
	a.syncTo(t, b, meta.ModeNewOnly)
	bk, k := aws.String("shared"), aws.String("mp")
	up, err := a.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bk, Key: k})
	require.NoError(t, err)
	var parts []types.CompletedPart
	for i, size := range []int{5 << 20, 77} {
		out, err := a.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: bk, Key: k, UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(bytes.Repeat([]byte{byte('a' + i)}, size))})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	done, err := a.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bk, Key: k,
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	require.NoError(t, err)
	nodetest.WaitFor(t, "the object reaches b in its parts", func() bool {
		head, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bk, Key: k})
		return err == nil && aws.ToString(head.ETag) == aws.ToString(done.ETag)
	})
	require.Empty(t, a.status(t).LastError)
}
