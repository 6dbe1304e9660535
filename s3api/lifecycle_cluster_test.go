package s3api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/lifecycle"
)

// versionsOf lists every version and delete marker under prefix.
func (e *env) versionsOf(bucket, prefix string) (versions []types.ObjectVersion, markers []types.DeleteMarkerEntry) {
	e.t.Helper()
	out, err := e.s3.ListObjectVersions(e.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	require.NoError(e.t, err)
	return out.Versions, out.DeleteMarkers
}

// lifecycleTotals sums the lifecycle totals of every node.
func lifecycleTotals(nodes []*node.Node) lifecycle.Totals {
	var sum lifecycle.Totals
	for _, n := range nodes {
		t := n.Lifecycle().Status().Totals
		sum.Expired += t.Expired
		sum.NoncurrentRemoved += t.NoncurrentRemoved
		sum.DeleteMarkersRemoved += t.DeleteMarkersRemoved
		sum.UploadsAborted += t.UploadsAborted
		sum.BytesFreed += t.BytesFreed
		sum.Locked += t.Locked
	}
	return sum
}

// runAll runs the lifecycle engine of every node at the same moment.
func runAll(t *testing.T, nodes []*node.Node) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Go(func() { _, errs[i] = n.Lifecycle().RunNow(t.Context()) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}

// In a 3-node cluster with a one-second lifecycle day, each kind of rule acts once
// on each object it makes due, not once per owner, even when every node runs its
// engine at the same moment: the counts of versions and delete markers the S3 API
// lists, and the engines' totals summed over the nodes, are exact, and stay so over
// further runs.
func TestLifecycleClusterActsOnce(t *testing.T) {
	const day = time.Second
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) {
		c.LifecycleInterval, c.LifecycleDay = time.Hour, day // runs by hand below
	})
	e := &env{t: t, node: nodes[0], s3: sdkClient(nodes[0], ""), ctx: t.Context()}
	vb, ub := e.bucket("lc-versioned"), e.bucket("lc-plain")
	_, err := e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(vb),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)

	// Data first, through every node.
	clients := []*s3.Client{e.s3, sdkClient(nodes[1], ""), sdkClient(nodes[2], "")}
	putVia := func(i int, bucket, key string) string {
		out, err := clients[i%3].PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(key)})
		require.NoError(t, err)
		return aws.ToString(out.VersionId)
	}
	putVia(0, vb, "exp/a")
	var ncLast, keepLast []string
	for i := range 3 {
		ncLast = append(ncLast, putVia(i, vb, "nc/a"))
	}
	for i := range 4 {
		keepLast = append(keepLast, putVia(i, vb, "keep/a"))
	}
	dmFirst := putVia(1, vb, "dm/a")
	_, err = clients[2].DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(vb), Key: aws.String("dm/a")})
	require.NoError(t, err)
	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(vb), Key: aws.String("dm/a"), VersionId: aws.String(dmFirst)})
	require.NoError(t, err)
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(vb), Key: aws.String("up/a")})
	require.NoError(t, err)
	_, err = e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(vb), Key: aws.String("up/a"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part1")})
	require.NoError(t, err)
	putVia(2, ub, "gone")
	putVia(0, vb, "stay/a") // no rule names it

	// A bucket with object lock: a version under legal hold outlives its rule.
	_, err = e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("lc-locked"), ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
	lb := "lc-locked"
	for _, key := range []string{"held", "free"} {
		in := &s3.PutObjectInput{Bucket: aws.String(lb), Key: aws.String(key), Body: strings.NewReader("old")}
		if key == "held" {
			in.ObjectLockLegalHoldStatus = types.ObjectLockLegalHoldStatusOn
		}
		_, err := e.s3.PutObject(e.ctx, in)
		require.NoError(t, err)
		putVia(1, lb, key)
	}

	enabled := types.ExpirationStatusEnabled
	prefix := func(p string) *types.LifecycleRuleFilter { return &types.LifecycleRuleFilter{Prefix: aws.String(p)} }
	require.NoError(t, e.putLifecycle(vb,
		types.LifecycleRule{ID: aws.String("expire"), Status: enabled, Filter: prefix("exp/"), Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		types.LifecycleRule{ID: aws.String("noncurrent"), Status: enabled, Filter: prefix("nc/"),
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
		types.LifecycleRule{ID: aws.String("keep-one"), Status: enabled, Filter: prefix("keep/"),
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1), NewerNoncurrentVersions: aws.Int32(1)}},
		types.LifecycleRule{ID: aws.String("markers"), Status: enabled, Filter: prefix("dm/"),
			Expiration: &types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
		types.LifecycleRule{ID: aws.String("uploads"), Status: enabled, Filter: prefix("up/"),
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
	))
	require.NoError(t, e.putLifecycle(lb,
		types.LifecycleRule{ID: aws.String("noncurrent"), Status: enabled, Filter: &types.LifecycleRuleFilter{},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}}))
	require.NoError(t, e.putLifecycle(ub,
		types.LifecycleRule{ID: aws.String("all"), Status: enabled, Filter: &types.LifecycleRuleFilter{}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}))

	// Every rule is due two days after the last write (S3 rounds up to a day's end).
	due := time.Now().Add(2 * day)
	nodetest.WaitFor(t, "the rules are due", func() bool { return time.Now().After(due) })
	runAll(t, nodes)

	want := lifecycle.Totals{Expired: 2, NoncurrentRemoved: 5, DeleteMarkersRemoved: 1, UploadsAborted: 1}
	check := func(runs int) {
		t.Helper()
		vs, dms := e.versionsOf(vb, "exp/")
		require.Len(t, vs, 1, "the expired version stays, noncurrent")
		require.False(t, *vs[0].IsLatest)
		require.Len(t, dms, 1, "one delete marker, not one per owner")
		vs, dms = e.versionsOf(vb, "nc/")
		require.Len(t, vs, 1)
		require.Equal(t, ncLast[2], *vs[0].VersionId, "the current version stays")
		require.Empty(t, dms)
		vs, _ = e.versionsOf(vb, "keep/")
		require.Len(t, vs, 2, "the current version and one newer noncurrent one")
		require.Equal(t, keepLast[3], *vs[0].VersionId)
		require.Equal(t, keepLast[2], *vs[1].VersionId)
		vs, dms = e.versionsOf(vb, "dm/")
		require.Empty(t, vs)
		require.Empty(t, dms, "the expired delete marker is gone")
		vs, dms = e.versionsOf(vb, "stay/")
		require.Len(t, vs, 1)
		require.Empty(t, dms)
		ups, err := e.s3.ListMultipartUploads(e.ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(vb)})
		require.NoError(t, err)
		require.Empty(t, ups.Uploads)
		vs, dms = e.versionsOf(ub, "")
		require.Empty(t, vs, "an unversioned bucket's object is removed, with no marker")
		require.Empty(t, dms)
		vs, _ = e.versionsOf(lb, "held")
		require.Len(t, vs, 2, "a version under legal hold is never removed")
		vs, _ = e.versionsOf(lb, "free")
		require.Len(t, vs, 1)
		got := lifecycleTotals(nodes)
		require.Equal(t, want.Expired, got.Expired)
		require.Equal(t, want.NoncurrentRemoved, got.NoncurrentRemoved)
		require.Equal(t, want.DeleteMarkersRemoved, got.DeleteMarkersRemoved)
		require.Equal(t, want.UploadsAborted, got.UploadsAborted)
		require.Equal(t, runs, got.Locked, "the locked version is met once per run, by its partition's one engine")
		// The nc/ and keep/ versions, free's old one, "gone", and the upload's part.
		require.Equal(t, int64(2*len("nc/a")+2*len("keep/a")+len("old")+len("gone")+len("part1")), got.BytesFreed)
	}
	check(1)

	// Further runs on every node change nothing.
	runAll(t, nodes)
	runAll(t, nodes)
	check(3)
}

// When a node is down, the next live owner of each partition it led applies the
// rules there: every due object is expired, once.
func TestLifecycleClusterNodeDown(t *testing.T) {
	const day, keys = time.Second, 24
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) {
		c.LifecycleInterval, c.LifecycleDay = time.Hour, day
	})
	require.NoError(t, nodes[0].Close())
	live := nodes[1:]
	e := &env{t: t, node: live[0], s3: sdkClient(live[0], ""), ctx: t.Context()}
	b := e.bucket("lc-down")
	_, err := e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	for i := range keys {
		e.put(b, fmt.Sprintf("k%02d", i), []byte("x"))
	}
	require.NoError(t, e.putLifecycle(b, types.LifecycleRule{ID: aws.String("all"), Status: types.ExpirationStatusEnabled,
		Filter: &types.LifecycleRuleFilter{}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}))
	due := time.Now().Add(2 * day)
	nodetest.WaitFor(t, "the rule is due", func() bool { return time.Now().After(due) })
	// Until gossip holds node1 dead, the partitions it led wait for it.
	nodetest.WaitFor(t, "every object expired by the live nodes", func() bool {
		runAll(t, live)
		return lifecycleTotals(live).Expired >= keys
	})
	require.Equal(t, keys, lifecycleTotals(live).Expired)
	vs, dms := e.versionsOf(b, "")
	require.Len(t, vs, keys)
	require.Len(t, dms, keys, "one delete marker per object")
}
