package process

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// The versioned part of the chaos test: writers that add versions, delete markers and
// permanent deletes of versions to a versioned bucket while nodes are killed and the
// block collector runs (chaosGCFlags), and a final check that no acknowledged version
// or delete marker is lost and no acknowledged permanent delete is undone.
const (
	chaosVersionWriters = 2
	chaosVersionKeys    = 4 // keys per versioned writer
)

// chaosGCFlags run the block collector often during the chaos test, so that it sweeps
// while nodes die and come back: every 2 s, blocks unreferenced for 10 s (failed
// writes' after 10 s too), tombstones of permanent deletes dropped after 30 s.
var chaosGCFlags = []string{"--gc-interval", "2s", "--gc-grace", "10s", "--orphan-grace", "10s", "--tombstone-grace", "30s"}

// Removal states of a version in the ledger.
const (
	versionLive    = iota
	versionInDoubt // a permanent delete was sent and not acknowledged: either outcome is right
	versionRemoved // a permanent delete was acknowledged: it must stay gone
)

// knownVersion is a version or delete marker whose creation was acknowledged.
type knownVersion struct {
	marker  bool
	sum     [32]byte // of the data; zero for a marker
	removal int
}

// versionedKey is what was done to one key of the versioned bucket.
type versionedKey struct {
	versions map[string]*knownVersion // by version id
	// failedPuts are the sums of writes that failed: each may or may not have made a
	// version, whose id the client never learnt. failedMarkers counts the same for
	// deletes that would have made a marker.
	failedPuts    [][32]byte
	failedMarkers int
}

// versionLedger records the versioned bucket's operations.
type versionLedger struct {
	mu   sync.Mutex
	keys map[string]*versionedKey
}

func (l *versionLedger) key(k string) *versionedKey {
	vk := l.keys[k]
	if vk == nil {
		vk = &versionedKey{versions: map[string]*knownVersion{}}
		l.keys[k] = vk
	}
	return vk
}

// versionStats counts what the versioned writers did.
type versionStats struct {
	puts, markers, removals, failed, reads atomic.Int64
}

// chaosVersionWriter works on its own keys of bucket through the nodes in turn until
// ctx ends: mostly new versions (inline or a few blocks), sometimes a delete marker,
// sometimes the permanent delete of one of the key's acknowledged versions or
// markers; and after each write it reads one acknowledged live version back by id.
// clients must send each request once (no SDK retries), so that every version or
// marker the cluster holds comes from one request of the ledger.
func chaosVersionWriter(ctx context.Context, t *testing.T, clients []*s3.Client, bucket string, w int, seed uint64, l *versionLedger, stats *versionStats, bad *chaosStats) {
	rng := mrand.New(mrand.NewPCG(seed, uint64(w)+300))
	for n := 0; ctx.Err() == nil; n++ {
		key := fmt.Sprintf("v%02d/k%02d", w, rng.IntN(chaosVersionKeys))
		c := clients[(w+n)%len(clients)]
		octx, cancel := context.WithTimeout(ctx, chaosOpTimeout)
		var what string
		switch p := rng.IntN(100); {
		case p < 65:
			what = "put"
			size := rng.Int64N(inlineLimit)
			if rng.IntN(3) == 0 {
				size = inlineLimit + 1 + rng.Int64N(2<<20)
			}
			data := content(seed^uint64(w)<<48^uint64(n), size)
			sum := sha256.Sum256(data)
			out, err := putVersion(octx, c, bucket, key, data)
			if err == nil && aws.ToString(out) == "" {
				t.Errorf("PUT of %s to a versioned bucket answered no version id", key)
			}
			l.mu.Lock()
			if err != nil || aws.ToString(out) == "" {
				l.key(key).failedPuts = append(l.key(key).failedPuts, sum)
				what = "failed"
			} else {
				l.key(key).versions[aws.ToString(out)] = &knownVersion{sum: sum}
			}
			l.mu.Unlock()
		case p < 80:
			what = "marker"
			out, err := c.DeleteObject(octx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err == nil && (!aws.ToBool(out.DeleteMarker) || aws.ToString(out.VersionId) == "") {
				t.Errorf("DELETE of %s in a versioned bucket answered no delete marker (%v, %q)", key, aws.ToBool(out.DeleteMarker), aws.ToString(out.VersionId))
			}
			l.mu.Lock()
			if err != nil || !aws.ToBool(out.DeleteMarker) || aws.ToString(out.VersionId) == "" {
				l.key(key).failedMarkers++
				what = "failed"
			} else {
				l.key(key).versions[aws.ToString(out.VersionId)] = &knownVersion{marker: true}
			}
			l.mu.Unlock()
		default:
			what = "removal"
			l.mu.Lock()
			id := pickVersion(rng, l.key(key), false)
			if id != "" {
				l.key(key).versions[id].removal = versionInDoubt // before it is sent
			}
			l.mu.Unlock()
			if id == "" {
				cancel()
				continue
			}
			_, err := c.DeleteObject(octx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(id)})
			if err != nil {
				what = "failed"
			} else {
				l.mu.Lock()
				l.key(key).versions[id].removal = versionRemoved
				l.mu.Unlock()
			}
		}
		cancel()
		switch what {
		case "put":
			stats.puts.Add(1)
		case "marker":
			stats.markers.Add(1)
		case "removal":
			stats.removals.Add(1)
		default:
			stats.failed.Add(1)
		}

		// Read back one acknowledged live version of the key, by id.
		l.mu.Lock()
		id := pickVersion(rng, l.key(key), true)
		var want [32]byte
		if id != "" {
			want = l.key(key).versions[id].sum
		}
		l.mu.Unlock()
		if id == "" {
			continue
		}
		octx, cancel = context.WithTimeout(ctx, chaosOpTimeout)
		sum, err := getVersion(octx, clients[rng.IntN(len(clients))], bucket, key, id)
		cancel()
		stats.reads.Add(1)
		switch {
		case err == nil && sum != want:
			if bad.badReads.Add(1) <= 10 {
				t.Errorf("version %s of %s reads back other bytes", id, key)
			}
		case isCode(err, "NoSuchVersion", "NoSuchKey"):
			l.mu.Lock()
			removal := l.key(key).versions[id].removal
			l.mu.Unlock()
			if removal == versionLive && bad.badReads.Add(1) <= 10 {
				t.Errorf("acknowledged version %s of %s is not found: %v", id, key, err)
			}
		}
	}
}

// put2 writes data as a new version of key and returns its version id.
func putVersion(ctx context.Context, c *s3.Client, bucket, key string, data []byte) (*string, error) {
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	if err != nil {
		return nil, err
	}
	return out.VersionId, nil
}

// pickVersion returns a random acknowledged version id of vk that is live (and, with
// dataOnly, not a delete marker), or "".
func pickVersion(rng *mrand.Rand, vk *versionedKey, dataOnly bool) string {
	var ids []string
	for id, v := range vk.versions {
		if v.removal == versionLive && !(dataOnly && v.marker) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	slices.Sort(ids) // map order is random, but the choice comes from rng
	return ids[rng.IntN(len(ids))]
}

// getVersion reads one version of key and returns the SHA-256 of its bytes.
func getVersion(ctx context.Context, c *s3.Client, bucket, key, id string) ([32]byte, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(id)})
	if err != nil {
		return [32]byte{}, err
	}
	defer out.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, out.Body); err != nil {
		return [32]byte{}, err
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// isCode reports whether err is an S3 error with one of codes.
func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// listedVersion is one entry of ListObjectVersions.
type listedVersion struct {
	key, id string
	marker  bool
	size    int64
}

// listAllVersions lists every version and delete marker of bucket through c.
func listAllVersions(ctx context.Context, c *s3.Client, bucket string) ([]listedVersion, error) {
	var out []listedVersion
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)}
	for {
		page, err := c.ListObjectVersions(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			out = append(out, listedVersion{key: aws.ToString(v.Key), id: aws.ToString(v.VersionId), size: aws.ToInt64(v.Size)})
		}
		for _, m := range page.DeleteMarkers {
			out = append(out, listedVersion{key: aws.ToString(m.Key), id: aws.ToString(m.VersionId), marker: true})
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

// verifyVersions checks the versioned bucket through c against the ledger: every
// acknowledged version and marker not removed is listed (a version reads back its
// bytes by id); no acknowledged removal is listed; each version is listed once; and a
// listed version the ledger does not know is one a failed write may have made (its
// bytes are one of the key's failed writes, and there are no more of them than
// failed writes).
func verifyVersions(t *testing.T, c *s3.Client, bucket string, l *versionLedger, label string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	listed, err := listAllVersions(ctx, c, bucket)
	if err != nil {
		t.Fatalf("%s: ListObjectVersions: %v", label, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]map[string]bool{}
	unknownPuts, unknownMarkers := map[string]int{}, map[string]int{}
	for _, v := range listed {
		if seen[v.key] == nil {
			seen[v.key] = map[string]bool{}
		}
		if seen[v.key][v.id] {
			t.Errorf("%s: version %s of %s is listed twice", label, v.id, v.key)
		}
		seen[v.key][v.id] = true
		vk := l.keys[v.key]
		if vk == nil {
			t.Errorf("%s: listed key %s was never written", label, v.key)
			continue
		}
		known := vk.versions[v.id]
		switch {
		case known == nil && v.marker:
			unknownMarkers[v.key]++
		case known == nil:
			unknownPuts[v.key]++
			sum, err := getVersion(ctx, c, bucket, v.key, v.id)
			if err != nil {
				t.Errorf("%s: listed version %s of %s does not read: %v", label, v.id, v.key, err)
				continue
			}
			found := false
			for _, f := range vk.failedPuts {
				found = found || f == sum
			}
			if !found {
				t.Errorf("%s: version %s of %s holds bytes no write sent", label, v.id, v.key)
			}
		case known.removal == versionRemoved:
			t.Errorf("%s: version %s of %s was deleted for good (acknowledged) but is listed again", label, v.id, v.key)
		case known.marker != v.marker:
			t.Errorf("%s: version %s of %s: delete marker %v, want %v", label, v.id, v.key, v.marker, known.marker)
		}
	}
	for key, vk := range l.keys {
		if unknownPuts[key] > len(vk.failedPuts) || unknownMarkers[key] > vk.failedMarkers {
			t.Errorf("%s: %s lists %d versions and %d markers the client never learnt of, after %d and %d failed requests",
				label, key, unknownPuts[key], unknownMarkers[key], len(vk.failedPuts), vk.failedMarkers)
		}
		for id, v := range vk.versions {
			if v.removal != versionLive {
				continue
			}
			if !seen[key][id] {
				t.Errorf("%s: acknowledged %s %s of %s is lost", label, kindOf(v), id, key)
				continue
			}
			if v.marker {
				continue
			}
			sum, err := getVersion(ctx, c, bucket, key, id)
			switch {
			case err != nil:
				t.Errorf("%s: acknowledged version %s of %s does not read: %v", label, id, key, err)
			case sum != v.sum:
				t.Errorf("%s: acknowledged version %s of %s reads back other bytes", label, id, key)
			}
		}
	}
}

func kindOf(v *knownVersion) string {
	if v.marker {
		return "delete marker"
	}
	return "version"
}

// gcReclaimed returns the blocks the collectors of nodes removed since they last
// started, and their runs.
func gcReclaimed(t *testing.T, nodes []*clusterNode, accessKey, secretKey string) (blocks, runs int64) {
	t.Helper()
	for _, n := range nodes {
		c, err := client.New(client.Config{Endpoint: n.srv.AdminURL, Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := c.GC(ctx)
		cancel()
		if err != nil {
			t.Fatalf("%s: GET /maintenance/gc: %v", n.id, err)
		}
		blocks += st.Totals.BlocksRemoved
		runs += st.Totals.Runs
	}
	return blocks, runs
}

// listedUsage is a bucket's usage as its listings show it: the objects of
// ListObjectsV2 and the versions and delete markers of ListObjectVersions.
func listedUsage(t *testing.T, c *s3.Client, bucket string) blob.BucketUsage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var u blob.BucketUsage
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	for {
		page, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			t.Fatalf("ListObjectsV2 %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			u.Objects++
			u.Bytes += aws.ToInt64(o.Size)
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	versions, err := listAllVersions(ctx, c, bucket)
	if err != nil {
		t.Fatalf("ListObjectVersions %s: %v", bucket, err)
	}
	for _, v := range versions {
		if v.marker {
			u.DeleteMarkers++
		} else {
			u.Versions++
			u.VersionBytes += v.size
		}
	}
	return u
}

// checkUsage waits until the admin API of every node reports, for each bucket, the
// usage its listings show: each object counted once although three nodes hold it,
// after the kills and restarts. The nodes recount every --usage-max-age (1 s here).
func checkUsage(t *testing.T, nodes []*clusterNode, accessKey, secretKey string, c *s3.Client, buckets ...string) {
	t.Helper()
	want := map[string]blob.BucketUsage{}
	for _, b := range buckets {
		want[b] = listedUsage(t, c, b)
	}
	for _, n := range nodes {
		ac, err := client.New(client.Config{Endpoint: n.srv.AdminURL, Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
		if err != nil {
			t.Fatal(err)
		}
		var why string
		for deadline := time.Now().Add(30 * time.Second); ; {
			why = usageMismatch(ac, want)
			if why == "" || time.Now().After(deadline) {
				break
			}
			pause(t, 200*time.Millisecond) // polling
		}
		if why != "" {
			t.Errorf("%s: bucket usage does not match the listings: %s", n.id, why)
		}
	}
	t.Logf("bucket usage matches the listings on every node: %+v", want)
}

// usageMismatch returns "" if the admin API's usage is want, else how it differs.
func usageMismatch(ac *client.Client, want map[string]blob.BucketUsage) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := ac.BucketUsage(ctx)
	if err != nil {
		return err.Error()
	}
	if rep.NodesAnswered != rep.NodesAsked {
		return fmt.Sprintf("%d of %d nodes answered", rep.NodesAnswered, rep.NodesAsked)
	}
	got := map[string]blob.BucketUsage{}
	for _, b := range rep.Items {
		got[b.Name] = b.Usage
	}
	for b, w := range want {
		if got[b] != w {
			return fmt.Sprintf("%s: %+v, listings %+v", b, got[b], w)
		}
	}
	return ""
}
