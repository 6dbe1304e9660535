package blob

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/hlc"
)

// TestReplicaKeepsItsVersionID: a write site sync brings with its origin time and
// version id has that id here too (on a site the origin's node name means nothing
// to), as does a copy of that replica sent on to a further site, and a delivery
// again is the same version. A site's own write with the very same id (two sites'
// nodes of one name writing at one HLC) keeps it: the replica then takes an id
// of its own, as before, and a removal site sync brings by that id removes
// neither, while the site's own user still removes its own version by it.
func TestReplicaKeepsItsVersionID(t *testing.T) {
	ctx := context.Background()
	wall := time.UnixMilli(1_700_000_000_000)
	tie := hlc.FromTime(wall)
	site := func(id, node string) *Store { return stoppedSite(t, wall, id, node) }
	put := func(s *Store, body string, o Origin) ObjectInfo {
		t.Helper()
		info, err := s.PutObject(ctx, PutInput{Bucket: "b", Key: "k", Body: bytes.NewReader([]byte(body)), Versioning: VersioningEnabled, Origin: o})
		require.NoError(t, err)
		require.Equal(t, tie, info.HLC)
		return info
	}
	ids := func(s *Store) []string {
		t.Helper()
		res, err := s.ListObjectVersions(ctx, ListVersionsInput{Bucket: "b", Limit: 1000})
		require.NoError(t, err)
		var out []string
		for _, v := range res.Versions {
			out = append(out, v.VersionID)
		}
		return out
	}

	a, b, c := site("site-a", "node-1"), site("site-b", "node-1"), site("site-c", "node-7")
	fromA := put(a, "from a", Origin{})
	fromB := put(b, "from b", Origin{})
	require.Equal(t, fromA.VersionID, fromB.VersionID, "two sites' nodes of one name, at one HLC: one id")

	// c knows neither: each replica keeps its origin's id, and a second delivery
	// is the same version.
	viaC := put(c, "from a", Origin{Site: "site-a", HLC: tie, VersionID: fromA.VersionID})
	require.Equal(t, fromA.VersionID, viaC.VersionID)
	put(c, "from a", Origin{Site: "site-a", HLC: tie, VersionID: fromA.VersionID})
	require.Equal(t, []string{fromA.VersionID}, ids(c))
	obj, err := c.OpenVersion(ctx, "b", "k", fromA.VersionID)
	require.NoError(t, err)
	require.Equal(t, fromA.ETag, obj.Info.ETag)
	// Sent on from c to d, with c's id (a's): still a's.
	d := site("site-d", "node-9")
	require.Equal(t, fromA.VersionID, put(d, "from a", Origin{Site: "site-a", HLC: tie, VersionID: viaC.VersionID}).VersionID)
	// Without the id (an older sender), the replica's id is its slot node's.
	e := site("site-e", "node-9")
	require.NotEqual(t, fromA.VersionID, put(e, "from a", Origin{Site: "site-a", HLC: tie}).VersionID)

	// On a, b's write would take a's own id: it takes its own, and again on a
	// second delivery.
	onA := put(a, "from b", Origin{Site: "site-b", HLC: tie, VersionID: fromB.VersionID})
	require.NotEqual(t, fromA.VersionID, onA.VersionID)
	put(a, "from b", Origin{Site: "site-b", HLC: tie, VersionID: fromB.VersionID})
	require.ElementsMatch(t, []string{fromA.VersionID, onA.VersionID}, ids(a))
	obj, err = a.OpenVersion(ctx, "b", "k", fromA.VersionID)
	require.NoError(t, err)
	require.Equal(t, fromA.ETag, obj.Info.ETag, "a's id names a's own write")

	// A removal by that id that site sync brings (from b, where it named b's
	// write) is ambiguous here: nothing is removed. a's own user removes a's.
	_, err = a.Delete(ctx, DeleteInput{Bucket: "b", Key: "k", VersionID: fromA.VersionID, Versioning: VersioningEnabled, Origin: Origin{Site: "site-b"}})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{fromA.VersionID, onA.VersionID}, ids(a))
	_, err = a.Delete(ctx, DeleteInput{Bucket: "b", Key: "k", VersionID: fromA.VersionID, Versioning: VersioningEnabled})
	require.NoError(t, err)
	require.Equal(t, []string{onA.VersionID}, ids(a))

	// On c, the removal by a's id removes a's write.
	_, err = c.Delete(ctx, DeleteInput{Bucket: "b", Key: "k", VersionID: fromA.VersionID, Versioning: VersioningEnabled, Origin: Origin{Site: "site-a"}})
	require.NoError(t, err)
	require.Empty(t, ids(c))
	// A delete marker replicated with its id keeps it too.
	del, err := a.Delete(ctx, DeleteInput{Bucket: "b", Key: "m", Versioning: VersioningEnabled})
	require.NoError(t, err)
	got, err := c.Delete(ctx, DeleteInput{Bucket: "b", Key: "m", Versioning: VersioningEnabled,
		Origin: Origin{Site: "site-a", HLC: mustVersionTime(t, del.VersionID), VersionID: del.VersionID}})
	require.NoError(t, err)
	require.Equal(t, del.VersionID, got.VersionID)
}

func mustVersionTime(t *testing.T, id string) hlc.Timestamp {
	t.Helper()
	at, ok := VersionIDTime(id)
	require.True(t, ok)
	return at
}
