package meta

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFSMReplicationRules(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "photos", CreatedAt: t0}))
	conn := connectionRecord{Connection: Connection{Name: "eu", Endpoint: "https://eu.example", Region: "eu-west-1",
		Credentials: ConnectionCredentials{Source: CredentialsStatic, AccessKeyID: "AK"}, HasSecret: true, CreatedAt: t0, UpdatedAt: t0},
		Sealed: []byte{1, 2, 3}}
	rule := ReplicationRule{Bucket: "photos", ID: "r1", Connection: "eu", TargetBucket: "backup", Mode: ModeNewOnly,
		ReplicateDeletes: true, Since: 42, CreatedAt: t0, UpdatedAt: t0}

	requireRejected(t, applyTo(t, f, 2, ReplicationRulePut{Rule: rule, Create: true}), ErrNoSuchConnection)
	require.Nil(t, applyTo(t, f, 3, ConnectionPut{Record: conn, Create: true}))
	require.Nil(t, applyTo(t, f, 4, ConnectionPut{Record: conn, Create: true}), "a retry is a no-op")
	other := conn
	other.Endpoint = "https://elsewhere.example"
	requireRejected(t, applyTo(t, f, 5, ConnectionPut{Record: other, Create: true}), ErrConnectionExists)
	requireRejected(t, applyTo(t, f, 6, ConnectionPut{Record: connectionRecord{Connection: Connection{Name: "x", Endpoint: "https://x"}}}), ErrNoSuchConnection)

	require.Nil(t, applyTo(t, f, 7, ReplicationRulePut{Rule: rule, Create: true}))
	require.Nil(t, applyTo(t, f, 8, ReplicationRulePut{Rule: rule, Create: true}), "a retry is a no-op")
	changed := rule
	changed.Prefix, changed.Since = "2024/", 99
	requireRejected(t, applyTo(t, f, 9, ReplicationRulePut{Rule: changed, Create: true}), ErrReplicationRuleExists)
	require.Nil(t, applyTo(t, f, 10, ReplicationRulePut{Rule: changed}))
	got, ok := f.rule("photos", "r1")
	require.True(t, ok)
	require.Equal(t, "2024/", got.Prefix)
	require.Equal(t, uint64(42), got.Since, "a replace keeps the rule's starting point")

	require.Nil(t, applyTo(t, f, 11, ReplicationRulePause{Bucket: "photos", ID: "r1", Paused: true}))
	got, _ = f.rule("photos", "r1")
	require.True(t, got.Paused)
	requireRejected(t, applyTo(t, f, 12, ReplicationRulePause{Bucket: "photos", ID: "nope", Paused: true}), ErrNoSuchReplicationRule)

	requireRejected(t, applyTo(t, f, 13, ConnectionDelete{Name: "eu"}), ErrConnectionInUse)
	bad := rule
	bad.Mode = "sometimes"
	requireRejected(t, applyTo(t, f, 14, ReplicationRulePut{Rule: bad, Create: true}), ErrInvalid)
	bad = rule
	bad.Bucket = "nowhere"
	requireRejected(t, applyTo(t, f, 15, ReplicationRulePut{Rule: bad, Create: true}), ErrNoSuchBucket)

	// A snapshot carries connections and rules.
	snap, err := f.Snapshot()
	require.NoError(t, err)
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	g := newFSM()
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	gotConn, ok := g.connection("eu")
	require.True(t, ok)
	require.Equal(t, conn.Sealed, gotConn.Sealed)
	got, ok = g.rule("photos", "r1")
	require.True(t, ok)
	require.True(t, got.Paused)

	// The rules go with their bucket; then the connection may go.
	require.Nil(t, applyTo(t, f, 16, BucketDelete{Name: "photos"}))
	_, ok = f.rule("photos", "r1")
	require.False(t, ok, "a bucket's rules are deleted with it")
	require.Nil(t, applyTo(t, f, 17, ConnectionDelete{Name: "eu"}))
	requireRejected(t, applyTo(t, f, 18, ConnectionDelete{Name: "eu"}), ErrNoSuchConnection)
}

func TestFSMRestoresSnapshotWithoutReplication(t *testing.T) {
	f := newFSM()
	snapshot := `{"version":1,"state":{"buckets":{"photos":{"name":"photos","owner":"root","region":"us-east-1","createdAt":"2025-03-01T12:00:00Z"}}}}`
	require.NoError(t, f.Restore(io.NopCloser(strings.NewReader(snapshot))))
	require.Nil(t, applyTo(t, f, 1, ConnectionPut{Record: connectionRecord{Connection: Connection{Name: "eu", Endpoint: "https://eu"}}, Create: true}))
}

func TestCheckConnectionInput(t *testing.T) {
	ok := func(in ConnectionInput) ConnectionInput {
		t.Helper()
		out, err := checkConnectionInput(in, false)
		require.NoError(t, err)
		return out
	}
	out := ok(ConnectionInput{Name: "eu", Endpoint: "https://AK:SK@eu.example:9000"})
	require.Equal(t, "https://eu.example:9000", out.Endpoint, "URL-embedded credentials are split off")
	require.Equal(t, CredentialsStatic, out.Credentials.Source)
	require.Equal(t, "AK", out.Credentials.AccessKeyID)
	require.Equal(t, "SK", out.SecretAccessKey)
	require.Equal(t, "us-east-1", out.Region)

	out = ok(ConnectionInput{Name: "eu", Endpoint: "http://eu"})
	require.Equal(t, CredentialsDefault, out.Credentials.Source, "no credentials at all is the default chain")
	ok(ConnectionInput{Name: "eu", Endpoint: "http://eu", Credentials: ConnectionCredentials{Source: CredentialsShared, Profile: "backup", CredentialsFile: "/etc/cairn/aws"}})
	ok(ConnectionInput{Name: "eu", Endpoint: "http://eu", Credentials: ConnectionCredentials{Source: CredentialsIMDS, IMDSEndpoint: "http://169.254.169.254"}})

	for _, in := range []ConnectionInput{
		{Name: "", Endpoint: "http://eu"},
		{Name: "a/b", Endpoint: "http://eu"},
		{Name: "eu", Endpoint: "eu.example"},
		{Name: "eu", Endpoint: "http://eu/path"},
		{Name: "eu", Endpoint: "http://eu", Credentials: ConnectionCredentials{AccessKeyID: "AK"}},
		{Name: "eu", Endpoint: "http://AK:SK@eu", Credentials: ConnectionCredentials{AccessKeyID: "AK2"}},
		{Name: "eu", Endpoint: "http://AK:SK@eu", Credentials: ConnectionCredentials{Source: CredentialsEnv}},
		{Name: "eu", Endpoint: "http://eu", Credentials: ConnectionCredentials{Source: "magic"}},
		{Name: "eu", Endpoint: "http://eu", Credentials: ConnectionCredentials{Source: CredentialsEnv, Profile: "p"}},
		{Name: "eu", Endpoint: "http://eu", Credentials: ConnectionCredentials{Source: CredentialsShared}, SecretAccessKey: "s"},
		{Name: "eu", Endpoint: "http://eu", Credentials: ConnectionCredentials{Source: CredentialsEnv, IMDSEndpoint: "http://x"}},
		{Name: "eu", Endpoint: "https://eu", TLS: ConnectionTLS{CACertPEM: "not a certificate"}},
	} {
		_, err := checkConnectionInput(in, false)
		require.ErrorIs(t, err, ErrInvalid, "%+v", in.Credentials)
		require.NotContains(t, err.Error(), "SK", "an error never shows the secret")
	}
}

func TestConnectionSecretIsSealedAndNeverReturned(t *testing.T) {
	cfg, logs := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)
	const secret = "wJalrXUtnFEMI-the-secret"

	c, err := m.CreateConnection(ctx, ConnectionInput{Name: "eu", Endpoint: "https://AKEU:" + secret + "@eu.example", Region: "eu-west-1"})
	require.NoError(t, err)
	require.True(t, c.HasSecret)
	require.Equal(t, "AKEU", c.Credentials.AccessKeyID)
	require.Equal(t, "https://eu.example", c.Endpoint)
	require.NotContains(t, fmt.Sprintf("%+v", c), secret)

	_, err = m.CreateConnection(ctx, ConnectionInput{Name: "eu", Endpoint: "https://other.example"})
	require.ErrorIs(t, err, ErrConnectionExists)

	s, err := m.ConnectionSecret(ctx, "eu")
	require.NoError(t, err)
	require.Equal(t, secret, s.SecretAccessKey)
	require.NotContains(t, fmt.Sprintf("%v %+v %#v", s, s, s), secret, "a secret never formats")

	// Neither the FSM's state nor a snapshot holds it in the clear.
	snap, err := m.fsm.Snapshot()
	require.NoError(t, err)
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	require.NotContains(t, sink.String(), secret)
	require.NotContains(t, logs.String(), secret)

	// The sealed bytes are bound to the connection's name.
	rec, _ := m.fsm.connection("eu")
	_, err = m.sealer.openFor(purposeConnection, "other", rec.Sealed)
	require.ErrorIs(t, err, ErrSealKey)
	_, err = m.sealer.open("eu", rec.Sealed)
	require.ErrorIs(t, err, ErrSealKey, "a connection secret does not open as an access key's")

	// A replace of the static source without the secret keeps it, for the same
	// access key id and endpoint only.
	c, err = m.UpdateConnection(ctx, ConnectionInput{Name: "eu", Endpoint: "https://eu.example", Region: "eu-central-1",
		Credentials: ConnectionCredentials{Source: CredentialsStatic, AccessKeyID: "AKEU"}})
	require.NoError(t, err)
	require.True(t, c.HasSecret)
	require.Equal(t, "eu-central-1", c.Region)
	s, err = m.ConnectionSecret(ctx, "eu")
	require.NoError(t, err)
	require.Equal(t, secret, s.SecretAccessKey)
	for _, in := range []ConnectionInput{
		{Name: "eu", Endpoint: "https://eu.example", Credentials: ConnectionCredentials{Source: CredentialsStatic, AccessKeyID: "AKOTHER"}},
		{Name: "eu", Endpoint: "https://elsewhere.example", Credentials: ConnectionCredentials{Source: CredentialsStatic, AccessKeyID: "AKEU"}},
		{Name: "eu", Endpoint: "https://eu.example", Credentials: ConnectionCredentials{Source: CredentialsStatic, AccessKeyID: "AKEU"}, SessionToken: "tok"},
	} {
		_, err = m.UpdateConnection(ctx, in)
		require.ErrorIs(t, err, ErrInvalid, "%+v", in)
	}
	_, err = m.CreateConnection(ctx, ConnectionInput{Name: "new", Endpoint: "https://eu.example", Credentials: ConnectionCredentials{Source: CredentialsStatic, AccessKeyID: "AKEU"}})
	require.ErrorIs(t, err, ErrInvalid, "a new static connection needs its secret")

	// A replace without a secret drops it.
	c, err = m.UpdateConnection(ctx, ConnectionInput{Name: "eu", Endpoint: "https://eu.example", Credentials: ConnectionCredentials{Source: CredentialsEnv}})
	require.NoError(t, err)
	require.False(t, c.HasSecret)
	s, err = m.ConnectionSecret(ctx, "eu")
	require.NoError(t, err)
	require.Empty(t, s.SecretAccessKey)
	_, err = m.UpdateConnection(ctx, ConnectionInput{Name: "nowhere", Endpoint: "https://eu.example"})
	require.ErrorIs(t, err, ErrNoSuchConnection)
}

func TestReplicationRulesThroughMeta(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)
	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "photos", Owner: RootUser}))
	_, err := m.CreateConnection(ctx, ConnectionInput{Name: "eu", Endpoint: "http://eu"})
	require.NoError(t, err)

	r, err := m.CreateReplicationRule(ctx, ReplicationRule{Bucket: "photos", ID: "to-eu", Connection: "eu", TargetBucket: "photos-eu",
		Mode: ModeAll, Tags: map[string]string{"sync": "yes"}})
	require.NoError(t, err)
	require.NotZero(t, r.Since)
	require.True(t, r.Matches("a/b", map[string]string{"sync": "yes", "x": "y"}))
	require.False(t, r.Matches("a/b", map[string]string{"sync": "no"}))

	require.NoError(t, m.SetReplicationRulePaused(ctx, "photos", "to-eu", true))
	r, err = m.ReplicationRule(ctx, "photos", "to-eu")
	require.NoError(t, err)
	require.True(t, r.Paused)
	rules, err := m.ReplicationRules(ctx, "")
	require.NoError(t, err)
	require.Len(t, rules, 1)

	require.ErrorIs(t, m.DeleteConnection(ctx, "eu"), ErrConnectionInUse)
	require.NoError(t, m.DeleteReplicationRules(ctx, "photos"))
	require.NoError(t, m.DeleteReplicationRules(ctx, "photos"), "none left is a no-op")
	_, err = m.ReplicationRule(ctx, "photos", "to-eu")
	require.ErrorIs(t, err, ErrNoSuchReplicationRule)
	require.NoError(t, m.DeleteConnection(ctx, "eu"))
}

func TestFSMReplicationRulesSetReplacesTheBucketsRules(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "photos", CreatedAt: t0}))
	require.Nil(t, applyTo(t, f, 2, ConnectionPut{Record: connectionRecord{Connection: Connection{Name: "eu", Endpoint: "https://eu"}}, Create: true}))
	a := ReplicationRule{Bucket: "photos", ID: "a", Connection: "eu", TargetBucket: "t", Mode: ModeNewOnly, Since: 1, CreatedAt: t0}
	b := ReplicationRule{Bucket: "photos", ID: "b", Connection: "eu", TargetBucket: "t", Mode: ModeAll, Since: 1, CreatedAt: t0}
	require.Nil(t, applyTo(t, f, 3, ReplicationRulesSet{Bucket: "photos", Rules: []ReplicationRule{a, b}}))

	a2 := a
	a2.Prefix, a2.Since = "x/", 99
	c := ReplicationRule{Bucket: "photos", ID: "c", Connection: "eu", TargetBucket: "t", Mode: ModeNewOnly, Since: 99}
	require.Nil(t, applyTo(t, f, 4, ReplicationRulesSet{Bucket: "photos", Rules: []ReplicationRule{a2, c}}))
	got, ok := f.rule("photos", "a")
	require.True(t, ok)
	require.Equal(t, "x/", got.Prefix)
	require.Equal(t, uint64(1), got.Since, "a kept rule keeps its starting point")
	_, ok = f.rule("photos", "b")
	require.False(t, ok, "a rule left out is removed")
	_, ok = f.rule("photos", "c")
	require.True(t, ok)

	bad := c
	bad.Connection = "nowhere"
	requireRejected(t, applyTo(t, f, 5, ReplicationRulesSet{Bucket: "photos", Rules: []ReplicationRule{a2, bad}}), ErrNoSuchConnection)
	requireRejected(t, applyTo(t, f, 6, ReplicationRulesSet{Bucket: "photos", Rules: []ReplicationRule{a2, a2}}), ErrInvalid)
	_, ok = f.rule("photos", "c")
	require.True(t, ok, "a rejected set changes nothing")

	require.Nil(t, applyTo(t, f, 7, ReplicationRulesSet{Bucket: "photos"}))
	_, ok = f.rule("photos", "a")
	require.False(t, ok)
	require.Nil(t, applyTo(t, f, 8, ReplicationRulesSet{Bucket: "nowhere"}), "removing no rules is a no-op")
}

func TestFSMReplicationProgressOnlyMovesForward(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "photos", CreatedAt: t0}))
	require.Nil(t, applyTo(t, f, 2, ConnectionPut{Record: connectionRecord{Connection: Connection{Name: "eu", Endpoint: "https://eu"}}, Create: true}))
	require.Nil(t, applyTo(t, f, 3, ReplicationRulePut{Rule: ReplicationRule{Bucket: "photos", ID: "r", Connection: "eu", TargetBucket: "t", Mode: ModeAll}, Create: true}))
	require.Nil(t, applyTo(t, f, 4, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{Partitions: map[int]uint64{1: 10, 2: 20}, BackfillAfter: "m"}}))
	require.Nil(t, applyTo(t, f, 5, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{Partitions: map[int]uint64{1: 5, 3: 30}, BackfillAfter: "c"}}))
	got := f.st.Replication.Progress[ruleKey("photos", "r")]
	require.Equal(t, map[int]uint64{1: 10, 2: 20, 3: 30}, got.Partitions, "a stale save never moves a stamp back")
	require.Equal(t, "m", got.BackfillAfter)
	// The backfill's count and start: totals and position forward, the earliest
	// start, counted once set.
	t1 := t0.Add(time.Hour)
	require.Nil(t, applyTo(t, f, 6, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{BackfillStarted: t1,
		BackfillCountAfter: "k", BackfillTotalObjects: 100, BackfillTotalBytes: 1000, BackfillComparedBytes: 50}}))
	require.Nil(t, applyTo(t, f, 7, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{BackfillStarted: t0,
		BackfillCountAfter: "z", BackfillTotalObjects: 150, BackfillTotalBytes: 1500, BackfillCounted: true}}))
	require.Nil(t, applyTo(t, f, 8, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{BackfillStarted: t1,
		BackfillCountAfter: "k", BackfillTotalObjects: 100, BackfillComparedBytes: 10}}))
	got = f.st.Replication.Progress[ruleKey("photos", "r")]
	require.Equal(t, t0, got.BackfillStarted)
	require.Equal(t, "z", got.BackfillCountAfter)
	require.True(t, got.BackfillCounted)
	require.Equal(t, int64(150), got.BackfillTotalObjects)
	require.Equal(t, int64(1500), got.BackfillTotalBytes)
	require.Equal(t, int64(50), got.BackfillComparedBytes)
	require.Nil(t, applyTo(t, f, 9, ReplicationProgressSet{Bucket: "gone", ID: "r", Progress: ReplicationProgress{BackfillDone: true}}), "an unknown rule is ignored")

	// A resync starts the backfill again, keeps the partitions' stamps, is
	// idempotent, and leaves out a step saved from before it.
	require.Nil(t, applyTo(t, f, 10, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{BackfillDone: true, BackfillCompared: 7}}))
	require.Nil(t, applyTo(t, f, 11, ReplicationResync{Bucket: "photos", ID: "r", Epoch: 5}))
	got = f.st.Replication.Progress[ruleKey("photos", "r")]
	require.Equal(t, ReplicationProgress{Partitions: map[int]uint64{1: 10, 2: 20, 3: 30}, BackfillEpoch: 5}, got)
	require.Nil(t, applyTo(t, f, 12, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{BackfillAfter: "z", BackfillDone: true,
		Partitions: map[int]uint64{1: 11}}}))
	got = f.st.Replication.Progress[ruleKey("photos", "r")]
	require.False(t, got.BackfillDone, "a step from before the resync is left out")
	require.Empty(t, got.BackfillAfter)
	require.Equal(t, uint64(11), got.Partitions[1], "its stamps still count")
	require.Nil(t, applyTo(t, f, 13, ReplicationProgressSet{Bucket: "photos", ID: "r", Progress: ReplicationProgress{BackfillAfter: "c", BackfillEpoch: 5}}))
	require.Nil(t, applyTo(t, f, 14, ReplicationResync{Bucket: "photos", ID: "r", Epoch: 5}), "the same resync again")
	require.Equal(t, "c", f.st.Replication.Progress[ruleKey("photos", "r")].BackfillAfter)
	requireRejected(t, applyTo(t, f, 15, ReplicationResync{Bucket: "photos", ID: "none", Epoch: 9}), ErrNoSuchReplicationRule)
	require.Nil(t, applyTo(t, f, 16, ReplicationRuleDelete{Bucket: "photos", ID: "r"}))
	require.Empty(t, f.st.Replication.Progress, "progress goes with its rule")
}
