package replication_test

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// versionIDs is a key's versions and delete markers on a site, each as its version
// id and ETag (or "(deleted)"), sorted.
func (st *site) versionIDs(t *testing.T, key string) []string {
	t.Helper()
	out, err := st.s3.ListObjectVersions(t.Context(), &s3.ListObjectVersionsInput{Bucket: aws.String("shared"), Prefix: aws.String(key)})
	require.NoError(t, err)
	var ids []string
	for _, v := range out.Versions {
		if aws.ToString(v.Key) == key {
			ids = append(ids, aws.ToString(v.VersionId)+" "+aws.ToString(v.ETag))
		}
	}
	for _, m := range out.DeleteMarkers {
		if aws.ToString(m.Key) == key {
			ids = append(ids, aws.ToString(m.VersionId)+" (deleted)")
		}
	}
	slices.Sort(ids)
	return ids
}

// put writes key on st and returns the new version's id.
func (st *site) put(t *testing.T, key, body string) string {
	t.Helper()
	out, err := st.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader(body)})
	require.NoError(t, err)
	return aws.ToString(out.VersionId)
}

// removeVersion removes version id of key on st for good.
func (st *site) removeVersion(t *testing.T, key, id string) {
	t.Helper()
	_, err := st.s3.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), VersionId: aws.String(id)})
	require.NoError(t, err)
}

// waitSameVersions waits until a and b hold key with the same version ids, as
// many as n, and returns them.
func waitSameVersions(t *testing.T, a, b *site, key string, n int) []string {
	t.Helper()
	var ids, other []string
	done := false
	t.Cleanup(func() {
		if !done && t.Failed() { // what each site held when the wait gave up
			t.Logf("%s: a %v, b %v; a's rule: %+v; b's rule: %+v", key, ids, other, a.n.SiteSync().Status(), b.n.SiteSync().Status())
		}
	})
	nodetest.WaitFor(t, "both sites hold "+key+" with the same version ids", func() bool {
		ids, other = a.versionIDs(t, key), b.versionIDs(t, key)
		return len(ids) == n && slices.Equal(ids, other)
	})
	done = true
	return ids
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// requireStillSame runs three more rounds on a and b and requires key to hold
// versions ids on both still, and neither rule to have failed since the
// statuses settled.
func requireStillSame(t *testing.T, a, b *site, key string, ids []string, settledA, settledB meta.ReplicationStatus) {
	t.Helper()
	for range 3 {
		waitRounds(t, a.n, b.n)
	}
	require.Equal(t, ids, a.versionIDs(t, key))
	require.Equal(t, ids, b.versionIDs(t, key))
	a.requireNoNewFailures(t, settledA)
	b.requireNoNewFailures(t, settledB)
}

// idOf returns the version id of an entry of versionIDs.
func idOf(entry string) string { return strings.Fields(entry)[0] }

// TestBidirectionalKeepsVersionIDs: under bidirectional rules between versioned
// Cairn sites, every version and delete marker has the same version id on both
// sites, whichever site it was made on, including those made while the link was
// cut (the versions in between); a version is read by its id on either site, and
// further rounds change nothing.
func TestBidirectionalKeepsVersionIDs(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, true), newSite(t, true)
	toB := a.syncToAs(t, b, meta.ModeBidirectional, versionsPolicy)
	b.syncToAs(t, a, meta.ModeBidirectional, versionsPolicy)

	first := a.put(t, "k", "x1")
	b.put(t, "j", "y1")
	require.Equal(t, []string{first + ` "` + md5hex("x1") + `"`}, waitSameVersions(t, a, b, "k", 1))
	waitSameVersions(t, a, b, "j", 1)

	toB.cut()
	a.put(t, "k", "x2")
	a.put(t, "k", "x3")
	_, err := a.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	last := a.put(t, "k", "x4")
	_, err = b.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("j")})
	require.NoError(t, err) // a delete marker made on b, which the cut does not hold up
	toB.restore()
	ids := waitSameVersions(t, a, b, "k", 5)
	require.Len(t, slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return !strings.HasSuffix(s, "(deleted)") }), 1)
	waitSameVersions(t, a, b, "j", 2)

	for _, e := range ids {
		if strings.HasSuffix(e, "(deleted)") {
			continue
		}
		got, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), VersionId: aws.String(idOf(e))})
		require.NoError(t, err, "b reads a's version %s by its id", idOf(e))
		require.Equal(t, idOf(e), aws.ToString(got.VersionId))
		require.Equal(t, strings.Fields(e)[1], aws.ToString(got.ETag))
		got.Body.Close()
	}
	head, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	require.Equal(t, last, aws.ToString(head.VersionId), "b's current version is a's last write, by the same id")

	waitRounds(t, a.n, b.n)
	settledA, settledB := a.status(t), b.status(t)
	requireStillSame(t, a, b, "k", ids, settledA, settledB)
}

// TestBidirectionalReplicatesRemovalsByID: a version (or delete marker) removed by
// its id on one site, by DeleteObject or DeleteObjects, is removed on the other
// too, by the same id; the other versions stay, and a newer write made on the
// other site while the removal could not be delivered is not removed. A removal
// delivered again, or of a version the site never had, is a no-op success.
func TestBidirectionalReplicatesRemovalsByID(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, true), newSite(t, true)
	toB := a.syncToAs(t, b, meta.ModeBidirectional, versionsPolicy)
	toA := b.syncToAs(t, a, meta.ModeBidirectional, versionsPolicy)

	v1, v2, v3 := a.put(t, "k", "v1"), a.put(t, "k", "v2"), a.put(t, "k", "v3")
	waitSameVersions(t, a, b, "k", 3)

	a.removeVersion(t, "k", v1) // a non-current version, on a
	ids := waitSameVersions(t, a, b, "k", 2)
	require.Equal(t, []string{v2, v3}, []string{idOf(ids[0]), idOf(ids[1])})

	_, err := b.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("shared"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("k"), VersionId: aws.String(v2)}}}})
	require.NoError(t, err) // by DeleteObjects, on b
	ids = waitSameVersions(t, a, b, "k", 1)
	require.Equal(t, v3, idOf(ids[0]))

	// A delete marker, removed by its id.
	del, err := a.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	waitSameVersions(t, a, b, "k", 2)
	a.removeVersion(t, "k", aws.ToString(del.VersionId))
	waitSameVersions(t, a, b, "k", 1)

	// The current version (a's only one) removed on a while the sites cannot
	// reach each other; meanwhile b writes a newer version, which must stay on
	// both. a delivers first, while it has no version of k at all: that is no
	// delete of k (which would hide b's newer write under a marker).
	toB.cut()
	toA.cut()
	a.removeVersion(t, "k", v3)
	v4 := b.put(t, "k", "v4")
	toB.restore()
	nodetest.WaitFor(t, "b removes v3", func() bool { return len(b.versionIDs(t, "k")) == 1 })
	waitRounds(t, a.n)
	waitRounds(t, a.n)
	toA.restore()
	ids = waitSameVersions(t, a, b, "k", 1)
	require.Equal(t, v4, idOf(ids[0]))
	got, ok, err := read(ctx, a.s3, "shared", "k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v4", got.body)

	// Delivered again (as the sender sends it, with a's origin) and of a version
	// b never had: nothing happens.
	waitRounds(t, a.n, b.n)
	settledA, settledB := a.status(t), b.status(t)
	hb, err := a.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("shared")})
	require.NoError(t, err)
	siteA := outputHeaders(hb.ResultMetadata).Get("x-cairn-site-id")
	require.NotEmpty(t, siteA)
	sender := b.client(b.user(t, "resender", versionsPolicy))
	for _, id := range []string{v1, v3, v3, "0000000000000001abcdef01"} {
		_, err := sender.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), VersionId: aws.String(id)},
			func(o *s3.Options) {
				o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-cairn-origin-site", siteA))
			})
		require.NoError(t, err, "removal of %s delivered again", id)
	}
	requireStillSame(t, a, b, "k", ids, settledA, settledB)
}

// TestRemovalOfALockedVersionFailsAndIsRetried: a removal by id that the target
// refuses, its copy of the version being under a legal hold there, is a failure
// counted in the rule's status and retried; the target keeps the version, and
// removes it once the hold is lifted.
func TestRemovalOfALockedVersionFailsAndIsRetried(t *testing.T) {
	ctx := t.Context()
	a, b := newLockSite(t), newLockSite(t)
	a.syncToAs(t, b, meta.ModeBidirectional, withVersionActions(attributesPolicy))

	id := a.put(t, "k", "held")
	nodetest.WaitFor(t, "b holds a's version by its id", func() bool { return slices.Equal(a.versionIDs(t, "k"), b.versionIDs(t, "k")) })
	hold := func(status types.ObjectLockLegalHoldStatus) {
		_, err := b.s3.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("shared"), Key: aws.String("k"), VersionId: aws.String(id),
			LegalHold: &types.ObjectLockLegalHold{Status: status}})
		require.NoError(t, err)
	}
	hold(types.ObjectLockLegalHoldStatusOn)
	waitRounds(t, a.n)
	before := a.status(t).Failures["AccessDenied"]

	a.removeVersion(t, "k", id)
	nodetest.WaitFor(t, "the refused removal is counted", func() bool { return a.status(t).Failures["AccessDenied"] > before })
	require.Contains(t, a.status(t).LastError, id)
	require.Contains(t, a.status(t).LastError, "object lock")
	nodetest.WaitFor(t, "the refusal is retried", func() bool { return a.status(t).Failures["AccessDenied"] > before+1 })
	_, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), VersionId: aws.String(id)})
	require.NoError(t, err, "b keeps its locked version")

	hold(types.ObjectLockLegalHoldStatusOff)
	nodetest.WaitFor(t, "b removes the version once it is no longer held", func() bool { return len(b.versionIDs(t, "k")) == 0 })
}

// TestOriginVersionIDNeedsItsTimeAndPermission: the version id a write of site
// sync's carries is honoured only beside an origin time it names (else
// InvalidArgument) and, as the rest of the origin, only from a principal allowed
// s3:ReplicateObject; the version is then stored under that id. A removal by id
// with an origin needs s3:ReplicateDelete.
func TestOriginVersionIDNeedsItsTimeAndPermission(t *testing.T) {
	ctx := t.Context()
	st := newSite(t, true)
	writer := st.client(st.user(t, "writer", withVersionActions(writerPolicy)))
	syncer := st.client(st.user(t, "sync", versionsPolicy))
	const at = 123456789
	id := fmt.Sprintf("%016x%08x", at, 0xabcdef01)
	origin := func(header ...string) func(*s3.Options) {
		return func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-cairn-origin-site", "elsewhere"))
			for i := 0; i < len(header); i += 2 {
				o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(header[i], header[i+1]))
			}
		}
	}
	put := func(c *s3.Client, opt func(*s3.Options)) (*s3.PutObjectOutput, error) {
		return c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), Body: strings.NewReader("x")}, opt)
	}
	requireCode := func(err error, code string) {
		t.Helper()
		var api smithy.APIError
		require.True(t, errors.As(err, &api), "%v", err)
		require.Equal(t, code, api.ErrorCode())
	}
	withTime := []string{"x-cairn-origin-time", strconv.Itoa(at)}
	_, err := put(writer, origin(append(withTime, "x-cairn-origin-version-id", id)...))
	requireCode(err, "AccessDenied")
	for _, bad := range [][]string{
		{"x-cairn-origin-version-id", id}, // no time
		append(withTime, "x-cairn-origin-version-id", fmt.Sprintf("%016x%08x", at+1, 0xabcdef01)),
		append(withTime, "x-cairn-origin-version-id", "null"),
		append(withTime, "x-cairn-origin-version-id", "not-an-id"),
	} {
		_, err := put(syncer, origin(bad...))
		requireCode(err, "InvalidArgument")
	}
	out, err := put(syncer, origin(append(withTime, "x-cairn-origin-version-id", id)...))
	require.NoError(t, err)
	require.Equal(t, id, aws.ToString(out.VersionId))
	head, err := st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), VersionId: aws.String(id)})
	require.NoError(t, err)
	require.Equal(t, id, aws.ToString(head.VersionId))

	_, err = writer.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), VersionId: aws.String(id)}, origin())
	requireCode(err, "AccessDenied")
	_, err = syncer.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), VersionId: aws.String(id)}, origin())
	require.NoError(t, err)
	require.Empty(t, st.versionIDs(t, "k"))
}
