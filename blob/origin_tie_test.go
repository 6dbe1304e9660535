package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/hlc"
)

// TestExactTieGoesToTheGreaterSite: writes of one key on two sites at the very
// same HLC (their clocks stopped at one millisecond), each replicated to the other
// with its origin time as site sync sends it, and to third sites whose ids sort
// below, between and above theirs, in either order. Every site holds the write of
// the greater site id as current, for puts and deletes, versioned or not: last
// write wins breaks a tie by site, the same answer everywhere.
func TestExactTieGoesToTheGreaterSite(t *testing.T) {
	ctx := context.Background()
	wall := time.UnixMilli(1_700_000_000_000)
	site := func(id string) *Store {
		return stoppedSite(t, wall, id, "node-1") // every site's one node has the same id: no help from it
	}
	// op is one write: a put of body, or a delete when body is "".
	type op struct {
		site, body string
	}
	// Every write is at tie: a site's first local write, with its clock stopped
	// there, or a replica of one.
	tie := hlc.FromTime(wall)
	apply := func(s *Store, v Versioning, o op, origin Origin) {
		t.Helper()
		if o.body == "" {
			_, err := s.Delete(ctx, DeleteInput{Bucket: "b", Key: "k", Versioning: v, Origin: origin})
			require.NoError(t, err)
			return
		}
		info, err := s.PutObject(ctx, PutInput{Bucket: "b", Key: "k", Body: bytes.NewReader([]byte(o.body)), Versioning: v, Origin: origin})
		require.NoError(t, err)
		require.Equal(t, tie, info.HLC)
	}
	current := func(s *Store) string {
		t.Helper()
		obj, err := s.OpenObject(ctx, "b", "k")
		if errors.Is(err, ErrNoSuchKey) {
			return ""
		}
		require.NoError(t, err)
		r, err := obj.NewReader(ctx, 0, obj.Info.Size)
		require.NoError(t, err)
		data, err := io.ReadAll(r)
		require.NoError(t, err)
		return string(data)
	}
	for _, v := range []Versioning{Unversioned, VersioningEnabled} {
		for _, pair := range [][2]op{
			{{"site-a", "from a"}, {"site-b", "from b"}},
			{{"site-a", "from a"}, {"site-b", ""}},
			{{"site-a", ""}, {"site-b", "from b"}},
		} {
			t.Run(fmt.Sprintf("versioning=%d/a=%q/b=%q", v, pair[0].body, pair[1].body), func(t *testing.T) {
				want := pair[1].body // site-b > site-a
				a, b := site("site-a"), site("site-b")
				apply(a, v, pair[0], Origin{})
				apply(b, v, pair[1], Origin{})
				apply(a, v, pair[1], Origin{Site: "site-b", HLC: tie})
				apply(b, v, pair[0], Origin{Site: "site-a", HLC: tie})
				require.Equal(t, want, current(a), "site-a")
				require.Equal(t, want, current(b), "site-b")
				for _, third := range []string{"site-0", "site-ab", "site-z"} {
					for _, order := range [][2]op{pair, {pair[1], pair[0]}} {
						s := site(third)
						for _, o := range order {
							apply(s, v, o, Origin{Site: o.site, HLC: tie})
						}
						require.Equal(t, want, current(s), "%s, %s's write first", third, order[0].site)
					}
				}
			})
		}
	}
}

// stoppedSite is a one-node site of id whose node is node, its clock stopped at
// wall: each write there is at wall's HLC or a logical tick after.
func stoppedSite(t *testing.T, wall time.Time, id, node string) *Store {
	cfg := testConfig(t)
	cfg.NodeID = node
	clock := &fakeClock{t: wall}
	cfg.Now, cfg.SiteID = clock.Now, func() string { return id }
	return openStore(t, cfg)
}

// TestReplicaSlotIsTheWrites: the slot of a replicated write depends on the
// write, not on the node that receives it: delivered again through another node
// of the site, it is the same version, not a second one.
func TestReplicaSlotIsTheWrites(t *testing.T) {
	here := func() string { return "site-a" }
	o := Origin{Site: "site-b", HLC: hlc.FromTime(time.UnixMilli(1_700_000_000_000))}
	n1, n2 := testConfig(t), testConfig(t)
	n1.NodeID, n2.NodeID, n1.SiteID, n2.SiteID = "node-1", "node-2", here, here
	s1, s2 := openStore(t, n1), openStore(t, n2)
	require.Equal(t, s1.writeNode(o, "etag"), s2.writeNode(o, "etag"))
	require.NotEqual(t, s1.writeNode(Origin{}, "etag"), s2.writeNode(Origin{}, "etag"), "a local write's slot is its node's")
	require.True(t, ValidNodeID(s1.writeNode(Origin{}, "")))
	require.False(t, ValidNodeID(s1.writeNode(o, "etag")), "no node can hold a replica's slot")
}
