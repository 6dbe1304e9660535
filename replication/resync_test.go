package replication_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// TestResyncAfterTheTargetLostData: a new_only rule's target loses objects, has
// one overwritten, and two rewritten with the same bytes but other metadata or a
// tag (a restore from an old backup, say); the changes feed has nothing to send
// for them, and a resync compares the two sides again by listing and corrects
// exactly what the target lacks or holds otherwise, with its progress in the
// status.
func TestResyncAfterTheTargetLostData(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, false), newSite(t, false)
	a.syncTo(t, b, meta.ModeNewOnly)
	for i := range 6 {
		a.put(t, fmt.Sprintf("k%d", i), fmt.Sprintf("body %d", i))
	}
	nodetest.WaitFor(t, "b has every object", func() bool { return len(b.keys(t)) == 6 })

	for _, k := range []string{"k1", "k4"} {
		_, err := b.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String(k)})
		require.NoError(t, err)
	}
	_, err := b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k2"), Body: strings.NewReader("stale")})
	require.NoError(t, err)
	_, err = b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k3"), Body: strings.NewReader("body 3"),
		Metadata: map[string]string{"restored": "from-backup"}})
	require.NoError(t, err)
	_, err = b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k5"), Body: strings.NewReader("body 5"),
		Tagging: aws.String("stale=yes")})
	require.NoError(t, err)
	for range 3 {
		waitRounds(t, a.n)
	}
	require.Len(t, b.keys(t), 4, "nothing changed on the source: the feed sends nothing")

	require.NoError(t, a.n.Meta().ResyncReplicationRule(ctx, "shared", "to-peer"))
	nodetest.WaitFor(t, "the resync is done", func() bool { return a.n.Meta().ReplicationProgress("shared", "to-peer").BackfillDone })
	for i := range 6 {
		got, ok, err := read(ctx, b.s3, "shared", fmt.Sprintf("k%d", i))
		require.NoError(t, err)
		require.True(t, ok, "k%d", i)
		require.Equal(t, fmt.Sprintf("body %d", i), got.body)
		require.Empty(t, got.meta, "k%d's metadata", i)
		require.Empty(t, got.tags, "k%d's tags", i)
	}
	prog := a.n.Meta().ReplicationProgress("shared", "to-peer")
	require.EqualValues(t, 6, prog.BackfillCompared)
	require.EqualValues(t, 5, prog.BackfillCopied, "only what the target lacked or held otherwise")
	require.EqualValues(t, 6, prog.BackfillTotalObjects)
	st := a.status(t)
	require.True(t, st.BackfillDone)
	require.EqualValues(t, 5, st.BackfillCopied)
	require.Positive(t, st.ObjectsPerSecond, "the resync's copies were sent within the last minute")
	require.LessOrEqual(t, st.ObjectsPerSecond, float64(st.Objects)/60)
	require.Positive(t, st.BytesPerSecond)

	// A second resync compares again and copies nothing.
	require.NoError(t, a.n.Meta().ResyncReplicationRule(ctx, "shared", "to-peer"))
	require.False(t, a.n.Meta().ReplicationProgress("shared", "to-peer").BackfillDone)
	nodetest.WaitFor(t, "the second resync is done", func() bool { return a.n.Meta().ReplicationProgress("shared", "to-peer").BackfillDone })
	prog = a.n.Meta().ReplicationProgress("shared", "to-peer")
	require.EqualValues(t, 6, prog.BackfillCompared)
	require.Zero(t, prog.BackfillCopied)
}
