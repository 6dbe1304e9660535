package replication_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// proxy is a TCP proxy the test can cut (refusing and dropping connections) and
// restore: the link between two sites.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	up     bool
	conns  []net.Conn
	// carried counts the bytes sent through it towards the target.
	carried atomic.Int64
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target, up: true}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		up := p.up
		if up {
			p.conns = append(p.conns, c)
		}
		p.mu.Unlock()
		if !up {
			c.Close()
			continue
		}
		go func() {
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, countingReader{c, &p.carried}); s.Close() }()
			_, _ = io.Copy(c, s)
			c.Close()
		}()
	}
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// cut drops every connection and refuses new ones until restore.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = false
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.up = true
	p.mu.Unlock()
}

func s3Client(n *node.Node) *s3.Client {
	ak, sk := n.RootCredentials()
	return s3.New(s3.Options{BaseEndpoint: aws.String(n.S3URL()), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
}

// object is what a site holds under a key, as a client sees it.
type object struct {
	body        string
	contentType string
	meta        map[string]string
	tags        map[string]string
}

func read(ctx context.Context, c *s3.Client, bucket, key string) (object, bool, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchKey") {
			return object{}, false, nil
		}
		return object{}, false, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return object{}, false, err
	}
	tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchKey") {
			return object{}, false, nil // deleted between the two reads
		}
		return object{}, false, err
	}
	tags := map[string]string{}
	for _, t := range tg.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return object{body: string(data), contentType: aws.ToString(out.ContentType), meta: out.Metadata, tags: tags}, true, nil
}

// waitRounds waits until every worker has finished two more rounds: anything they
// were going to send by now has been sent.
func waitRounds(t *testing.T, nodes ...*node.Node) {
	t.Helper()
	start := make([]uint64, len(nodes))
	for i, n := range nodes {
		start[i] = n.SiteSync().Rounds()
	}
	nodetest.WaitFor(t, "two site sync rounds on every node", func() bool {
		for i, n := range nodes {
			if n.SiteSync().Rounds() < start[i]+2 {
				return false
			}
		}
		return true
	})
}

// sites is a 3-node source cluster and a single-node target site, the link between
// them through a proxy, and a connection to the target on the source.
type sites struct {
	src     []*node.Node
	peer    *node.Node
	link    *proxy
	srcS3   []*s3.Client
	peerS3  *s3.Client
	ctx     context.Context
	rootAK  string
	rootSK  string
	peerURL string
}

func newSites(t *testing.T, options ...func(*node.Config)) *sites {
	t.Helper()
	s := &sites{ctx: t.Context()}
	s.src = nodetest.StartCluster(t, 3, options...)
	s.peer = nodetest.Start(t)
	u, err := url.Parse(s.peer.S3URL())
	require.NoError(t, err)
	s.link = newProxy(t, u.Host)
	for _, n := range s.src {
		s.srcS3 = append(s.srcS3, s3Client(n))
	}
	s.peerS3 = s3Client(s.peer)
	ak, sk := s.peer.RootCredentials()
	_, err = s.src[0].Meta().CreateConnection(s.ctx, meta.ConnectionInput{Name: "peer", Endpoint: "http://" + ak + ":" + sk + "@" + s.link.addr()})
	require.NoError(t, err)
	return s
}

func (s *sites) bucket(t *testing.T, src, target string) {
	t.Helper()
	_, err := s.srcS3[0].CreateBucket(s.ctx, &s3.CreateBucketInput{Bucket: aws.String(src)})
	require.NoError(t, err)
	_, err = s.peerS3.CreateBucket(s.ctx, &s3.CreateBucketInput{Bucket: aws.String(target)})
	require.NoError(t, err)
}

func (s *sites) put(t *testing.T, via int, bucket, key string, o object) {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(o.body),
		ContentType: aws.String(o.contentType), Metadata: o.meta}
	if len(o.tags) > 0 {
		v := url.Values{}
		for k, val := range o.tags {
			v.Set(k, val)
		}
		in.Tagging = aws.String(v.Encode())
	}
	_, err := s.srcS3[via%len(s.srcS3)].PutObject(s.ctx, in)
	require.NoError(t, err)
}

// waitTarget waits until the target holds exactly want under the keys of want
// (absent for a nil entry).
func (s *sites) waitTarget(t *testing.T, bucket string, want map[string]*object) {
	t.Helper()
	var differs string
	deadline := time.Now().Add(60 * time.Second) // a guard against a hang, not a timing
	for {
		differs = ""
		for k, w := range want {
			got, ok, err := read(s.ctx, s.peerS3, bucket, k)
			switch {
			case err != nil:
				differs = fmt.Sprintf("%s: %v", k, err)
			case ok != (w != nil):
				differs = fmt.Sprintf("%s: on the target %v, wanted %v", k, ok, w != nil)
			case w != nil && !equalObject(*w, got):
				differs = fmt.Sprintf("%s: %+v on the target, wanted %+v", k, got, *w)
			}
			if differs != "" {
				break
			}
		}
		if differs == "" {
			return
		}
		if time.Now().After(deadline) {
			for _, n := range s.src {
				t.Logf("%s: rounds %d, status %+v", n.NodeID(), n.SiteSync().Rounds(), n.SiteSync().Status())
			}
			t.Fatalf("the target does not match the source: %s", differs)
		}
		time.Sleep(20 * time.Millisecond) // polling, not synchronisation
	}
}

func adminClient(t *testing.T, n *node.Node) *client.Client {
	t.Helper()
	ak, sk := n.RootCredentials()
	c, err := client.New(client.Config{Endpoint: n.AdminURL(), Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
	require.NoError(t, err)
	return c
}

// scrape returns a node's /metrics.
func scrape(t *testing.T, n *node.Node) string {
	t.Helper()
	resp, err := http.Get(n.AdminURL() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(data)
}

func equalObject(a, b object) bool {
	if a.body != b.body || a.contentType != b.contentType || len(a.meta) != len(b.meta) || len(a.tags) != len(b.tags) {
		return false
	}
	for k, v := range a.meta {
		if b.meta[k] != v {
			return false
		}
	}
	for k, v := range a.tags {
		if b.tags[k] != v {
			return false
		}
	}
	return true
}

func TestOneWayNewOnlyPauseResumeAndDeleteWhilePeerDown(t *testing.T) {
	s := newSites(t)
	s.bucket(t, "photos", "backup")
	m := s.src[1].Meta()
	before := object{body: "written before the rule", contentType: "text/plain"}
	s.put(t, 0, "photos", "before", before)
	// The PUT returns once a quorum of owners has it; a copy reaching the third owner
	// after the rule was made is a change after it there, and new_only sends it (as
	// with AWS, a write made around the moment a rule is added may or may not be
	// replicated). Every owner stores it first, so that it is surely before the rule.
	// The rule starts at its creation's millisecond (Since), and a feed entry stored
	// in that same millisecond is after it: wait for the clock to pass the last one.
	p := s.src[0].Meta().Layout().ObjectPartition("photos", "before")
	var last uint64
	nodetest.WaitFor(t, "every owner stores the object written before the rule", func() bool {
		for _, n := range s.src {
			cs, err := n.Store().Changes(s.ctx, p, 0, 100)
			i := slices.IndexFunc(cs, func(c index.Change) bool { return c.Key == "before" })
			if err != nil || i < 0 {
				return false
			}
			last = max(last, cs[i].Seq)
		}
		return true
	})
	nodetest.WaitFor(t, "the clock passes the millisecond of the last feed entry", func() bool {
		return uint64(time.Now().UnixMilli())<<16 > last|0xffff
	})
	_, err := m.CreateReplicationRule(s.ctx, meta.ReplicationRule{Bucket: "photos", ID: "to-peer", Connection: "peer",
		TargetBucket: "backup", Mode: meta.ModeNewOnly, ReplicateDeletes: true})
	require.NoError(t, err)

	want := map[string]*object{"before": nil} // new_only: what existed stays behind
	for i := range 30 {
		o := object{body: fmt.Sprintf("object %d %s", i, strings.Repeat("x", i*37)), contentType: "image/jpeg",
			meta: map[string]string{"camera": fmt.Sprintf("c%d", i%3)}}
		if i%4 == 0 {
			o.tags = map[string]string{"album": "summer"}
		}
		key := fmt.Sprintf("2024/%03d.jpg", i)
		s.put(t, i, "photos", key, o)
		want[key] = &o
	}
	s.waitTarget(t, "backup", want)

	// Paused, nothing is sent; resumed, what was written meanwhile is.
	require.NoError(t, m.SetReplicationRulePaused(s.ctx, "photos", "to-peer", true))
	nodetest.WaitFor(t, "every node sees the pause", func() bool {
		for _, n := range s.src {
			r, err := n.Meta().ReplicationRule(s.ctx, "photos", "to-peer")
			if err != nil || !r.Paused {
				return false
			}
		}
		return true
	})
	paused := object{body: "written while paused", contentType: "text/plain"}
	s.put(t, 2, "photos", "while-paused", paused)
	waitRounds(t, s.src...)
	_, ok, err := read(s.ctx, s.peerS3, "backup", "while-paused")
	require.NoError(t, err)
	require.False(t, ok, "a paused rule sends nothing")
	require.NoError(t, m.SetReplicationRulePaused(s.ctx, "photos", "to-peer", false))
	want["while-paused"] = &paused
	s.waitTarget(t, "backup", want)

	// The peer unreachable: a delete and an overwrite made meanwhile arrive once it
	// is back, and the failures show in the status meanwhile.
	s.link.cut()
	_, err = s.srcS3[0].DeleteObject(s.ctx, &s3.DeleteObjectInput{Bucket: aws.String("photos"), Key: aws.String("2024/003.jpg")})
	require.NoError(t, err)
	over := object{body: "overwritten while the peer was down", contentType: "text/plain"}
	s.put(t, 1, "photos", "2024/004.jpg", over)
	nodetest.WaitFor(t, "the admin API (cluster-wide, through any node) and the metrics report the failed delivery", func() bool {
		st, err := adminClient(t, s.src[2]).ReplicationStatus(s.ctx)
		require.NoError(t, err)
		require.Equal(t, 3, st.NodesAnswered)
		for _, r := range st.Items {
			if r.ID == "to-peer" && r.LastError != "" && r.Backlog > 0 && r.LagSeconds > 0 && r.Failures["network"] > 0 {
				for _, n := range s.src {
					if strings.Contains(scrape(t, n), "cairn_site_sync_failures_total{reason=\"network\"}") {
						return true
					}
				}
			}
		}
		return false
	})
	got, ok, err := read(s.ctx, s.peerS3, "backup", "2024/003.jpg")
	require.NoError(t, err)
	require.True(t, ok, "nothing was delivered while the link was cut")
	require.Equal(t, want["2024/003.jpg"].body, got.body)
	s.link.restore()
	want["2024/003.jpg"], want["2024/004.jpg"] = nil, &over
	s.waitTarget(t, "backup", want)
	nodetest.WaitFor(t, "the backlog drains", func() bool {
		for _, n := range s.src {
			for _, st := range n.SiteSync().Status() {
				if st.Backlog > 0 {
					return false
				}
			}
		}
		return true
	})
}

// TestOneWayAllBackfillResumesAfterTheBackfillerDies backfills 200 objects, or
// CAIRN_BACKFILL_OBJECTS (make test-backfill: 10,000), and logs the rate.
func TestOneWayAllBackfillResumesAfterTheBackfillerDies(t *testing.T) {
	n := 200
	if v := os.Getenv("CAIRN_BACKFILL_OBJECTS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, "CAIRN_BACKFILL_OBJECTS")
		require.GreaterOrEqual(t, n, 200)
	}
	page := max(20, n/100)
	s := newSites(t, func(c *node.Config) { c.Timings.SiteSyncBackfillPage = page })
	s.bucket(t, "archive", "archive-copy")
	want := map[string]*object{}
	keys := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 8 { // 8 writers: a 10,000-object source fills in seconds
		wg.Go(func() {
			for i := range keys {
				o := object{body: fmt.Sprintf("archived %d", i), contentType: "application/octet-stream", meta: map[string]string{"i": fmt.Sprint(i)}}
				key := fmt.Sprintf("k%05d", i)
				_, err := s.srcS3[i%len(s.srcS3)].PutObject(s.ctx, &s3.PutObjectInput{Bucket: aws.String("archive"), Key: aws.String(key),
					Body: strings.NewReader(o.body), ContentType: aws.String(o.contentType), Metadata: o.meta})
				if err != nil {
					t.Errorf("put %s: %v", key, err)
				}
				mu.Lock()
				want[key] = &o
				mu.Unlock()
			}
		})
	}
	for i := range n {
		keys <- i
	}
	close(keys)
	wg.Wait()
	require.False(t, t.Failed())
	// The target already has some, one of them stale: the backfill compares.
	_, err := s.peerS3.PutObject(s.ctx, &s3.PutObjectInput{Bucket: aws.String("archive-copy"), Key: aws.String("k00001"), Body: bytes.NewReader([]byte("stale"))})
	require.NoError(t, err)

	leader := nodetest.WaitLeader(t, s.src...)
	start := time.Now()
	_, err = leader.Meta().CreateReplicationRule(s.ctx, meta.ReplicationRule{Bucket: "archive", ID: "all", Connection: "peer",
		TargetBucket: "archive-copy", Mode: meta.ModeAll})
	require.NoError(t, err)
	midway := fmt.Sprintf("k%05d", n/5)
	waitLong(t, "the backfill is under way", func() bool {
		p := leader.Meta().ReplicationProgress("archive", "all")
		return p.BackfillAfter >= midway
	})
	require.NoError(t, leader.Close(), "kill the node running the backfill")
	var rest []*node.Node
	for _, nd := range s.src {
		if nd != leader {
			rest = append(rest, nd)
		}
	}
	next := nodetest.WaitLeader(t, rest...)
	waitLong(t, "the backfill is done", func() bool { return next.Meta().ReplicationProgress("archive", "all").BackfillDone })
	took := time.Since(start)
	prog := next.Meta().ReplicationProgress("archive", "all")
	t.Logf("backfill of %d objects (%d copied, %d bytes), the backfiller killed at %s: %v, %.0f objects/s (a measurement, not asserted)",
		n, prog.BackfillCopied, prog.BackfillBytes, midway, took.Round(time.Millisecond), float64(n)/took.Seconds())
	require.EqualValues(t, n, prog.BackfillCompared, "every source object compared once, across the two backfillers")
	require.Positive(t, prog.BackfillCopied)
	require.LessOrEqual(t, prog.BackfillCopied, int64(n))
	require.Positive(t, prog.BackfillBytes)
	s.waitTarget(t, "archive-copy", want)

	var copied int64
	for _, st := range next.SiteSync().Status() {
		if st.ID == "all" {
			copied = st.Objects
		}
	}
	t.Logf("the second backfiller copied %d of %d", copied, n)
	require.Positive(t, copied, "the new backfiller did the rest")
	require.Less(t, copied, int64(n-n/10), "the new backfiller resumed where the first stopped, not from the start")

	// Written after the rule: delivered through the feed.
	late := object{body: "after the rule", contentType: "text/plain"}
	for i, nd := range s.src {
		if nd == next {
			s.put(t, i, "archive", "late", late)
		}
	}
	want = map[string]*object{"late": &late}
	s.waitTarget(t, "archive-copy", want)
}

func TestPrefixAndTagFilterChooseWhatIsSent(t *testing.T) {
	ctx := t.Context()
	src := nodetest.Start(t, func(c *node.Config) { c.Timings.SiteSync = 50 * time.Millisecond })
	peer := nodetest.Start(t)
	srcS3, peerS3 := s3Client(src), s3Client(peer)
	_, err := srcS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = peerS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs-copy")})
	require.NoError(t, err)
	ak, sk := peer.RootCredentials()
	_, err = src.Meta().CreateConnection(ctx, meta.ConnectionInput{Name: "peer", Endpoint: strings.Replace(peer.S3URL(), "http://", "http://"+ak+":"+sk+"@", 1)})
	require.NoError(t, err)
	_, err = src.Meta().CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "docs", ID: "filtered", Connection: "peer", TargetBucket: "docs-copy",
		Mode: meta.ModeNewOnly, Prefix: "keep/", Tags: map[string]string{"sync": "yes"}})
	require.NoError(t, err)

	put := func(key, tagging string) {
		_, err := srcS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String(key), Body: strings.NewReader(key), Tagging: aws.String(tagging)})
		require.NoError(t, err)
	}
	put("keep/other-tag", "sync=no")
	put("elsewhere/tagged", "sync=yes")
	put("keep/tagged", "sync=yes&team=a")
	nodetest.WaitFor(t, "the matching object arrives", func() bool {
		_, ok, err := read(ctx, peerS3, "docs-copy", "keep/tagged")
		return err == nil && ok
	})
	waitRounds(t, src)
	for _, k := range []string{"keep/other-tag", "elsewhere/tagged"} {
		_, ok, err := read(ctx, peerS3, "docs-copy", k)
		require.NoError(t, err)
		require.False(t, ok, "%s is outside the rule's filter", k)
	}
	got, _, err := read(ctx, peerS3, "docs-copy", "keep/tagged")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"sync": "yes", "team": "a"}, got.tags, "every tag is copied")
}
