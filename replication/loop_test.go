package replication_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// syncPolicy is what a site sync principal needs on the target bucket: write and
// delete, with their origin (s3:ReplicateObject, s3:ReplicateDelete), and
// HeadObject / HeadBucket.
const syncPolicy = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
 "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ReplicateObject", "s3:ReplicateDelete"],
 "Resource": ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"]}]}`

// writerPolicy may write and delete, but not replicate.
const writerPolicy = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
 "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
 "Resource": ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"]}]}`

// site is one single-node Cairn site with a bucket "shared".
type site struct {
	n  *node.Node
	s3 *s3.Client
}

func newSite(t *testing.T, versioned bool, options ...func(*node.Config)) *site {
	t.Helper()
	n := nodetest.Start(t, append([]func(*node.Config){func(c *node.Config) { c.Timings.SiteSync = 50 * time.Millisecond }}, options...)...)
	st := &site{n: n, s3: s3Client(n)}
	ctx := t.Context()
	_, err := st.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")})
	require.NoError(t, err)
	if versioned {
		_, err = st.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("shared"),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
		require.NoError(t, err)
	}
	return st
}

// user makes a user with policy doc on the site and returns its key.
func (st *site) user(t *testing.T, name, doc string) meta.AccessKey {
	t.Helper()
	m := st.n.Meta()
	require.NoError(t, m.PutPolicy(t.Context(), name, []byte(doc)))
	require.NoError(t, m.CreateUser(t.Context(), meta.UserInput{Name: name, Policies: []string{name}}))
	k, err := m.CreateAccessKey(t.Context(), name)
	require.NoError(t, err)
	return k
}

func (st *site) client(k meta.AccessKey) *s3.Client {
	return s3.New(s3.Options{BaseEndpoint: aws.String(st.n.S3URL()), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(k.ID, k.Secret, "")})
}

// syncTo makes a connection from st to peer through a proxy, signed by a sync
// principal of the peer's, and a rule sending st's bucket to the peer's.
func (st *site) syncTo(t *testing.T, peer *site, mode string) *proxy {
	t.Helper()
	return st.syncToAs(t, peer, mode, syncPolicy)
}

// syncToAs is syncTo with the peer's sync principal allowed policy.
func (st *site) syncToAs(t *testing.T, peer *site, mode, policy string) *proxy {
	t.Helper()
	u, err := url.Parse(peer.n.S3URL())
	require.NoError(t, err)
	link := newProxy(t, u.Host)
	k := peer.user(t, "sync", policy)
	ctx := t.Context()
	m := st.n.Meta()
	_, err = m.CreateConnection(ctx, meta.ConnectionInput{Name: "peer", Endpoint: "http://" + k.ID + ":" + k.Secret + "@" + link.addr()})
	require.NoError(t, err)
	_, err = m.CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "shared", ID: "to-peer", Connection: "peer",
		TargetBucket: "shared", Mode: mode, ReplicateDeletes: true})
	require.NoError(t, err)
	return link
}

func (st *site) keys(t *testing.T) []string {
	t.Helper()
	out, err := st.s3.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String("shared")})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// versions counts the versions and delete markers of key.
func (st *site) versions(t *testing.T, key string) int {
	t.Helper()
	out, err := st.s3.ListObjectVersions(t.Context(), &s3.ListObjectVersionsInput{Bucket: aws.String("shared"), Prefix: aws.String(key)})
	require.NoError(t, err)
	return len(out.Versions) + len(out.DeleteMarkers)
}

func (st *site) status(t *testing.T) meta.ReplicationStatus {
	t.Helper()
	for _, s := range st.n.SiteSync().Status() {
		if s.ID == "to-peer" {
			return s
		}
	}
	t.Fatal("no status of rule to-peer")
	return meta.ReplicationStatus{}
}

// requireNoNewFailures fails the test if st's rule to-peer failed since the status
// before was read. While a link is cut, deliveries fail (and are retried); a round
// that starts in the cut, on a loaded machine, records its error. Once the sites
// agree, no round may fail.
func (st *site) requireNoNewFailures(t *testing.T, before meta.ReplicationStatus) {
	t.Helper()
	now := st.status(t)
	require.Equal(t, before.Failures, now.Failures, "a delivery failed after the sites agreed: %s", now.LastError)
	require.Equal(t, before.LastErrAt, now.LastErrAt, "a delivery failed after the sites agreed: %s", now.LastError)
}

// TestOppositeRulesDoNotLoop: two Cairn sites with opposite one-way rules on the
// same bucket pair. Writes and deletes on both sides reach the other side once,
// and nothing comes back: after they converge, further rounds carry no byte over
// either link, each key has exactly the versions its writes made, and a replica
// shows REPLICA and its origin site.
func TestOppositeRulesDoNotLoop(t *testing.T) {
	for _, versioned := range []bool{false, true} {
		t.Run(fmt.Sprintf("versioned=%t", versioned), func(t *testing.T) {
			ctx := t.Context()
			a, b := newSite(t, versioned), newSite(t, versioned)
			toB, toA := a.syncTo(t, b, meta.ModeNewOnly), b.syncTo(t, a, meta.ModeNewOnly)

			put := func(st *site, key string) {
				_, err := st.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key),
					Body: strings.NewReader("written as " + key), Metadata: map[string]string{"by": key[:1]}})
				require.NoError(t, err)
			}
			del := func(st *site, key string) {
				_, err := st.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
				require.NoError(t, err)
			}
			for i := range 5 {
				put(a, fmt.Sprintf("a%d", i))
				put(b, fmt.Sprintf("b%d", i))
			}
			want := []string{"a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"}
			nodetest.WaitFor(t, "the writes of each side reach the other", func() bool {
				return len(a.keys(t)) == 10 && len(b.keys(t)) == 10
			})
			// A delete on each side of a key written there, and one of a key that
			// came from the other side.
			del(a, "a0")
			del(b, "b0")
			nodetest.WaitFor(t, "the deletes reach the other side", func() bool {
				return fmt.Sprint(a.keys(t)) == fmt.Sprint(want) && fmt.Sprint(b.keys(t)) == fmt.Sprint(want)
			})
			del(a, "b4")
			want = want[:len(want)-1]
			nodetest.WaitFor(t, "a delete of a replica reaches its origin", func() bool {
				return fmt.Sprint(a.keys(t)) == fmt.Sprint(want) && fmt.Sprint(b.keys(t)) == fmt.Sprint(want)
			})

			// Quiet: further rounds of both sides carry nothing either way.
			waitRounds(t, a.n, b.n)
			carried := toA.carried.Load() + toB.carried.Load()
			sa, sb := a.status(t), b.status(t)
			for range 3 {
				waitRounds(t, a.n, b.n)
			}
			require.Equal(t, carried, toA.carried.Load()+toB.carried.Load(), "bytes sent between the sites after they converged: a loop")
			require.Equal(t, sa.Objects, a.status(t).Objects)
			require.Equal(t, sb.Objects, b.status(t).Objects)
			// Each side sent its own writes and deletes, never the other's back.
			require.LessOrEqual(t, a.status(t).Objects, int64(5+2), "a sent more than its 5 writes and 2 deletes")
			require.LessOrEqual(t, b.status(t).Objects, int64(5+1), "b sent more than its 5 writes and 1 delete")
			require.Zero(t, a.status(t).Failures["AccessDenied"])

			// A replica says where it came from; an original does not say REPLICA.
			head, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("a1")})
			require.NoError(t, err)
			require.Equal(t, types.ReplicationStatusReplica, head.ReplicationStatus)
			require.Equal(t, map[string]string{"by": "a"}, head.Metadata, "the origin is not user metadata")
			require.Equal(t, a.n.Meta().ClusterID(), originSite(t, head.ResultMetadata))
			head, err = a.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("a1")})
			require.NoError(t, err)
			require.Empty(t, head.ReplicationStatus)
			require.Equal(t, a.n.Meta().ClusterID(), originSite(t, head.ResultMetadata))

			if versioned {
				// No echo made a version: one PUT each, and a0 its PUT and one marker.
				for _, st := range []*site{a, b} {
					require.Equal(t, 1, st.versions(t, "a1"))
					require.Equal(t, 1, st.versions(t, "b1"))
				}
				require.Equal(t, 2, a.versions(t, "a0"))
				require.LessOrEqual(t, b.versions(t, "a0"), 2)
				require.Equal(t, 2, b.versions(t, "b4"), "b4's PUT and the marker a's delete made")
				_, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("b4")})
				var re *smithyhttp.ResponseError
				require.ErrorAs(t, err, &re)
				require.Equal(t, "true", re.Response.Header.Get("x-amz-delete-marker"))
				require.Equal(t, a.n.Meta().ClusterID(), re.Response.Header.Get("x-cairn-origin-site"), "a replicated delete marker keeps its origin")
				require.Equal(t, "REPLICA", re.Response.Header.Get("x-amz-replication-status"))
			}
		})
	}
}

// outputHeaders returns the headers of the answer behind an output.
func outputHeaders(md middleware.Metadata) http.Header {
	r, _ := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if r == nil {
		return http.Header{}
	}
	return r.Header
}

func originSite(t *testing.T, md middleware.Metadata) string {
	t.Helper()
	return outputHeaders(md).Get("x-cairn-origin-site")
}

// TestOriginNeedsReplicatePermission: only a principal allowed s3:ReplicateObject
// (s3:ReplicateDelete for a delete) may say where a version came from.
func TestOriginNeedsReplicatePermission(t *testing.T) {
	ctx := t.Context()
	st := newSite(t, true)
	writer := st.client(st.user(t, "writer", writerPolicy))
	syncer := st.client(st.user(t, "sync", syncPolicy))
	withOrigin := func(site string) func(*s3.Options) {
		return func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-cairn-origin-site", site),
				smithyhttp.AddHeaderValue("x-cairn-origin-time", "123456789"))
		}
	}
	put := func(c *s3.Client, key string, opts ...func(*s3.Options)) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader("x")}, opts...)
		return err
	}
	requireCode := func(err error, code string) {
		t.Helper()
		var api smithy.APIError
		require.True(t, errors.As(err, &api), "%v", err)
		require.Equal(t, code, api.ErrorCode())
	}

	requireCode(put(writer, "k", withOrigin("elsewhere")), "AccessDenied")
	_, err := writer.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")}, withOrigin("elsewhere"))
	requireCode(err, "AccessDenied")
	requireCode(put(syncer, "k", withOrigin("bad site!")), "InvalidArgument")
	future := strconv.FormatUint(uint64(time.Now().Add(time.Hour).UnixMilli())<<16, 10)
	requireCode(put(syncer, "k", withOrigin("elsewhere"), func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-cairn-origin-time", future))
	}), "InvalidArgument") // would drag the clock an hour ahead
	require.NoError(t, put(writer, "plain"))
	require.NoError(t, put(syncer, "k", withOrigin("elsewhere")))

	head, err := st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	require.Equal(t, types.ReplicationStatusReplica, head.ReplicationStatus)
	h := outputHeaders(head.ResultMetadata)
	require.Equal(t, "elsewhere", h.Get("x-cairn-origin-site"))
	require.Equal(t, "123456789", h.Get("x-cairn-origin-time"))
	require.Equal(t, st.n.Meta().ClusterID(), h.Get("x-cairn-site-id"))
	head, err = st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("plain")})
	require.NoError(t, err)
	require.Empty(t, head.ReplicationStatus)

	// A change made here makes the version this site's: no longer a replica.
	_, err = st.s3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("shared"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("t"), Value: aws.String("v")}}}})
	require.NoError(t, err)
	head, err = st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err)
	require.Empty(t, head.ReplicationStatus)
	require.Equal(t, st.n.Meta().ClusterID(), outputHeaders(head.ResultMetadata).Get("x-cairn-origin-site"))

	// A replicated delete older than the current version does not hide it (last
	// write wins); a newer one does, and the 404 tells its origin.
	_, err = syncer.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")}, withOrigin("elsewhere"))
	require.NoError(t, err)
	_, err = st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	require.NoError(t, err, "a delete from long ago removed a newer write")
	later := strconv.FormatUint(uint64(time.Now().Add(time.Second).UnixMilli())<<16, 10)
	_, err = syncer.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")}, withOrigin("elsewhere"), func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-cairn-origin-time", later))
	})
	require.NoError(t, err)
	_, err = st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	var re *smithyhttp.ResponseError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "elsewhere", re.Response.Header.Get("x-cairn-origin-site"))
	require.Equal(t, later, re.Response.Header.Get("x-cairn-origin-time"))
}

// TestOppositeRulesLastWriteWins: two sites with a bidirectional rule each, to
// the other. With the link between the two sites cut, the
// same keys are written and deleted on both sides; once it is restored, both
// sides hold, for each key, its newest write or delete by original HLC, whatever
// order they arrive in.
func TestOppositeRulesLastWriteWins(t *testing.T) {
	for _, versioned := range []bool{false, true} {
		t.Run(fmt.Sprintf("versioned=%t", versioned), func(t *testing.T) {
			ctx := t.Context()
			a, b := newSite(t, versioned), newSite(t, versioned)
			toB, toA := a.syncTo(t, b, meta.ModeBidirectional), b.syncTo(t, a, meta.ModeBidirectional)
			toB.cut()
			toA.cut()

			// when is the HLC of key's newest write or delete on st, from its origin
			// header (an unversioned delete's too).
			when := func(st *site, key string) string {
				out, err := st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
				h := outputHeaders(middleware.Metadata{})
				if err == nil {
					h = outputHeaders(out.ResultMetadata)
				} else {
					var re *smithyhttp.ResponseError
					require.ErrorAs(t, err, &re)
					h = re.Response.Header
				}
				v := h.Get("x-cairn-origin-time")
				require.NotEmpty(t, v, "no origin time of %s", key)
				return fmt.Sprintf("%020s", v)
			}
			put := func(st *site, key, body string) string {
				_, err := st.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader(body)})
				require.NoError(t, err)
				return when(st, key)
			}
			del := func(st *site, key string) string {
				_, err := st.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
				require.NoError(t, err)
				return when(st, key)
			}
			// want[key] is the winner's body, "" for deleted.
			want := map[string]string{}
			decide := func(key, aBody, aTime, bBody, bTime string) {
				require.NotEqual(t, aTime, bTime)
				want[key] = bBody
				if aTime > bTime {
					want[key] = aBody
				}
			}
			decide("a-then-b", "from a", put(a, "a-then-b", "from a"), "from b", put(b, "a-then-b", "from b"))
			bt := put(b, "b-then-a", "from b")
			decide("b-then-a", "from a", put(a, "b-then-a", "from a"), "from b", bt)
			// A key on both sides deleted on one and written later on the other, and
			// the other way round.
			put(a, "del-then-put", "old")
			put(b, "del-then-put", "old")
			decide("del-then-put", "", del(a, "del-then-put"), "new", put(b, "del-then-put", "new"))
			put(a, "put-then-del", "old")
			decide("put-then-del", "newer", put(a, "put-then-del", "newer"), "", del(b, "put-then-del"))
			// One side only.
			want["only-a"] = "only a"
			put(a, "only-a", "only a")

			toB.restore()
			toA.restore()
			holds := func(st *site) bool {
				for key, body := range want {
					got, ok, err := read(ctx, st.s3, "shared", key)
					if err != nil || ok != (body != "") || ok && got.body != body {
						return false
					}
				}
				return true
			}
			defer func() {
				if t.Failed() {
					for key := range want {
						ga, oka, _ := read(ctx, a.s3, "shared", key)
						gb, okb, _ := read(ctx, b.s3, "shared", key)
						t.Logf("%s: want %q, a %t %q, b %t %q", key, want[key], oka, ga.body, okb, gb.body)
						ha, _ := a.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
						hb, _ := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
						if ha != nil && hb != nil {
							t.Logf("  a: %v %v / b: %v %v", outputHeaders(ha.ResultMetadata).Get("x-cairn-origin-site"), outputHeaders(ha.ResultMetadata).Get("x-cairn-origin-time"),
								outputHeaders(hb.ResultMetadata).Get("x-cairn-origin-site"), outputHeaders(hb.ResultMetadata).Get("x-cairn-origin-time"))
						}
					}
				}
			}()
			nodetest.WaitFor(t, "both sites hold each key's last write", func() bool { return holds(a) && holds(b) })
			waitRounds(t, a.n, b.n)
			waitRounds(t, a.n, b.n)
			require.True(t, holds(a) && holds(b), "the sites moved apart again")
			require.Equal(t, a.keys(t), b.keys(t))
		})
	}
}
