package main

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
)

func TestCLIConnectionsAndReplicationRules(t *testing.T) {
	e := newCLIEnv(t)
	ak, sk := e.node.RootCredentials()
	base := []string{"--endpoint", e.url, "--access-key", ak, "--secret-key", sk}
	s3c := s3.New(s3.Options{BaseEndpoint: aws.String(e.node.S3URL()), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
	_, err := s3c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("photos")})
	require.NoError(t, err)

	const secret = "peer-secret-from-stdin"
	out, err := cli(t, secret+"\n", append(base, "connections", "create", "eu", "https://eu.example:9000",
		"--peer-access-key", "AKEU", "--secret-stdin", "--peer-region", "eu-west-1", "--json")...)
	require.NoError(t, err, out)
	require.NotContains(t, out, secret)
	c := jsonCLI[admin.Connection](t, append(base, "connections", "get", "eu")...)
	require.Equal(t, "AKEU", c.Credentials.AccessKeyID)
	require.True(t, c.HasSecret)
	require.Equal(t, "eu-west-1", c.Region)
	table := mustCLI(t, append(base, "connections", "list")...)
	require.Contains(t, table, "static AKEU")
	require.NotContains(t, table, secret)

	c = jsonCLI[admin.Connection](t, append(base, "connections", "update", "eu", "https://eu.example:9000", "--source", "shared", "--peer-profile", "backup")...)
	require.Equal(t, meta.CredentialsShared, c.Credentials.Source)
	require.False(t, c.HasSecret)

	r := jsonCLI[admin.ReplicationRule](t, append(base, "replication", "create", "photos", "to-eu", "--connection", "eu",
		"--target-bucket", "photos-eu", "--mode", "all", "--tag", "sync=yes", "--replicate-deletes", "--sync-bucket")...)
	require.Equal(t, meta.ModeAll, r.Mode)
	require.True(t, r.SyncBucket)
	require.Equal(t, map[string]string{"sync": "yes"}, r.Tags)
	require.True(t, r.ReplicateDeletes)
	r = jsonCLI[admin.ReplicationRule](t, append(base, "replication", "pause", "photos", "to-eu")...)
	require.True(t, r.Paused)
	require.Contains(t, mustCLI(t, append(base, "replication", "list")...), "paused")
	r = jsonCLI[admin.ReplicationRule](t, append(base, "replication", "resume", "photos", "to-eu")...)
	require.False(t, r.Paused)
	st := jsonCLI[admin.ReplicationStatusList](t, append(base, "replication", "status")...)
	require.Equal(t, 1, st.NodesAnswered)
	require.Contains(t, st.Nodes, e.node.NodeID())
	require.Contains(t, mustCLI(t, append(base, "replication", "status")...), "LAST ERROR")
	_, err = cli(t, "", append(base, "connections", "delete", "eu")...)
	require.Error(t, err, "a connection in use is not deleted")
	mustCLI(t, append(base, "replication", "delete", "photos", "to-eu")...)
	mustCLI(t, append(base, "connections", "delete", "eu")...)
}

// TestBackfillProgressColumn: the status table's BACKFILL column says how far a
// backfill is, of how much, and the time left.
func TestBackfillProgressColumn(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		st   meta.ReplicationStatus
		want string
	}{
		{meta.ReplicationStatus{}, "-"},
		{meta.ReplicationStatus{BackfillStarted: start, BackfillCounting: true, BackfillCompared: 5, BackfillTotalObjects: 10000, BackfillCopied: 2},
			"5 of 10000+ objects (counting), 2 copied"},
		{meta.ReplicationStatus{BackfillStarted: start, BackfillCompared: 5, BackfillTotalObjects: 20, BackfillComparedBytes: 1 << 20,
			BackfillTotalBytes: 4 << 20, BackfillCopied: 3, BackfillETASeconds: 90}, "5 of 20 objects, 1.0 MiB of 4.0 MiB, 3 copied, ETA 1m30s"},
		{meta.ReplicationStatus{BackfillStarted: start, BackfillDone: true, BackfillCompared: 20, BackfillCopied: 3, BackfillBytes: 2048},
			"done (20 compared, 3 copied, 2.0 KiB)"},
	} {
		require.Equal(t, c.want, backfillProgress(c.st))
	}
}
