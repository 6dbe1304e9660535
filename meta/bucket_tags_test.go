package meta

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFSMBucketTags(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "photos", Owner: "alice", CreatedAt: t0}))
	b, ok := f.bucket("photos")
	require.True(t, ok)
	require.Nil(t, b.Tags, "a new bucket has no tags")

	tags := map[string]string{"team": "search", "empty": ""}
	require.Nil(t, applyTo(t, f, 2, BucketTagsSet{Bucket: "photos", Tags: tags}))
	b, _ = f.bucket("photos")
	require.Equal(t, tags, b.Tags)
	require.Equal(t, "alice", b.Owner, "the rest of the bucket is kept")
	require.True(t, b.CreatedAt.Equal(t0))
	require.Nil(t, applyTo(t, f, 3, BucketTagsSet{Bucket: "photos", Tags: tags}), "a retry")

	// Reads hand out copies: changing one does not change the state.
	b.Tags["team"] = "changed"
	b, _ = f.bucket("photos")
	require.Equal(t, "search", b.Tags["team"])
	f.buckets()[0].Tags["team"] = "changed"
	b, _ = f.bucket("photos")
	require.Equal(t, "search", b.Tags["team"])

	// The whole set is replaced, not merged.
	require.Nil(t, applyTo(t, f, 4, BucketTagsSet{Bucket: "photos", Tags: map[string]string{"owner": "bob"}}))
	b, _ = f.bucket("photos")
	require.Equal(t, map[string]string{"owner": "bob"}, b.Tags)

	// An empty set removes them; so does a missing one.
	require.Nil(t, applyTo(t, f, 5, BucketTagsSet{Bucket: "photos", Tags: map[string]string{}}))
	b, _ = f.bucket("photos")
	require.Nil(t, b.Tags)
	require.Nil(t, applyTo(t, f, 6, BucketTagsSet{Bucket: "photos"}), "removing no tags is a no-op")

	requireRejected(t, applyTo(t, f, 7, BucketTagsSet{Bucket: "nowhere", Tags: tags}), ErrNoSuchBucket)
	_, ok = f.bucket("nowhere")
	require.False(t, ok, "a rejected set creates no bucket")

	// A create retried after the tags were set is still a no-op, and keeps them.
	require.Nil(t, applyTo(t, f, 8, BucketTagsSet{Bucket: "photos", Tags: tags}))
	require.Nil(t, applyTo(t, f, 9, BucketCreate{Name: "photos", Owner: "alice", CreatedAt: t0}))
	b, _ = f.bucket("photos")
	require.Equal(t, tags, b.Tags)

	// The tags go with the bucket: a new bucket of the same name has none.
	require.Nil(t, applyTo(t, f, 10, BucketDelete{Name: "photos"}))
	require.Nil(t, applyTo(t, f, 11, BucketCreate{Name: "photos", Owner: "bob", CreatedAt: t0}))
	b, _ = f.bucket("photos")
	require.Nil(t, b.Tags)
	require.EqualValues(t, 11, f.index())
}

func TestFSMBucketTagsSnapshotIsACopy(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "photos", CreatedAt: t0}))
	require.Nil(t, applyTo(t, f, 2, BucketTagsSet{Bucket: "photos", Tags: map[string]string{"v": "1"}}))
	snap, err := f.Snapshot()
	require.NoError(t, err)
	require.Nil(t, applyTo(t, f, 3, BucketTagsSet{Bucket: "photos", Tags: map[string]string{"v": "2"}}))
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))

	g := newFSM()
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	b, ok := g.bucket("photos")
	require.True(t, ok)
	require.Equal(t, map[string]string{"v": "1"}, b.Tags, "the snapshot has the tags of its time")
	b, _ = f.bucket("photos")
	require.Equal(t, map[string]string{"v": "2"}, b.Tags)
}

func TestFSMRestoresSnapshotWithoutTags(t *testing.T) {
	// A snapshot written before buckets had tags: its buckets have none.
	f := newFSM()
	snapshot := `{"version":1,"state":{"buckets":{"photos":{"name":"photos","owner":"root","region":"us-east-1","createdAt":"2025-03-01T12:00:00Z"}}}}`
	require.NoError(t, f.Restore(io.NopCloser(strings.NewReader(snapshot))))
	b, ok := f.bucket("photos")
	require.True(t, ok)
	require.Nil(t, b.Tags)
	require.Nil(t, applyTo(t, f, 1, BucketTagsSet{Bucket: "photos", Tags: map[string]string{"a": "b"}}))
}

func TestCheckBucketTags(t *testing.T) {
	fifty := map[string]string{}
	for i := range MaxBucketTags {
		fifty[fmt.Sprintf("k%02d", i)] = "v"
	}
	for name, tags := range map[string]map[string]string{
		"none":                  nil,
		"empty":                 {},
		"empty value":           {"k": ""},
		"fifty":                 fifty,
		"longest key":           {strings.Repeat("k", MaxTagKeyLength): "v"},
		"longest value":         {"k": strings.Repeat("v", MaxTagValueLength)},
		"characters, not bytes": {strings.Repeat("é", MaxTagKeyLength): strings.Repeat("ü", MaxTagValueLength)},
		"aws: inside":           {"team:aws:x": "v"},
	} {
		require.NoError(t, checkBucketTags(tags), name)
	}

	fiftyOne := map[string]string{"extra": "v"}
	for k, v := range fifty {
		fiftyOne[k] = v
	}
	for name, tags := range map[string]map[string]string{
		"fifty-one":       fiftyOne,
		"empty key":       {"": "v"},
		"long key":        {strings.Repeat("k", MaxTagKeyLength+1): "v"},
		"long value":      {"k": strings.Repeat("v", MaxTagValueLength+1)},
		"reserved prefix": {"aws:createdBy": "v"},
		"reserved, upper": {"AWS:createdBy": "v"},
		"bad UTF-8 key":   {"k\xff": "v"},
		"bad UTF-8 value": {"k": "v\xff"},
	} {
		err := checkBucketTags(tags)
		require.ErrorIs(t, err, ErrInvalidTag, name)
		require.NotErrorIs(t, err, ErrInvalid, name)
	}
	require.ErrorContains(t, checkBucketTags(map[string]string{"aws:x": "v"}), `"aws:x"`, "the error names the key")
}

func TestBucketTags(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)
	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "photos", Owner: RootUser}))

	tags, err := m.BucketTags(ctx, "photos")
	require.NoError(t, err)
	require.NotNil(t, tags, "no tags is an empty map")
	require.Empty(t, tags)

	want := map[string]string{"team": "search", "env": "prod"}
	require.NoError(t, m.PutBucketTags(ctx, "photos", want))
	tags, err = m.BucketTags(ctx, "photos")
	require.NoError(t, err)
	require.Equal(t, want, tags)
	tags["team"] = "changed"
	again, err := m.BucketTags(ctx, "photos")
	require.NoError(t, err)
	require.Equal(t, "search", again["team"], "the caller gets a copy")
	b, err := m.Bucket(ctx, "photos")
	require.NoError(t, err)
	require.Equal(t, want, b.Tags)

	before := m.fsm.index()
	require.ErrorIs(t, m.PutBucketTags(ctx, "photos", map[string]string{"aws:x": "v"}), ErrInvalidTag)
	require.Equal(t, before, m.fsm.index(), "invalid tags are refused before they reach the log")
	require.ErrorIs(t, m.PutBucketTags(ctx, "nowhere", want), ErrNoSuchBucket)
	_, err = m.BucketTags(ctx, "nowhere")
	require.ErrorIs(t, err, ErrNoSuchBucket)

	require.NoError(t, m.DeleteBucketTags(ctx, "photos"))
	tags, err = m.BucketTags(ctx, "photos")
	require.NoError(t, err)
	require.Empty(t, tags)
	require.NoError(t, m.DeleteBucketTags(ctx, "photos"), "deleting no tags is a no-op")
	require.ErrorIs(t, m.DeleteBucketTags(ctx, "nowhere"), ErrNoSuchBucket)

	require.NoError(t, m.PutBucketTags(ctx, "photos", want))
	require.NoError(t, m.PutBucketTags(ctx, "photos", nil), "an empty set removes the tags")
	tags, err = m.BucketTags(ctx, "photos")
	require.NoError(t, err)
	require.Empty(t, tags)
}
