package meta

import (
	"context"
	"fmt"
	"maps"
	"time"
)

// CmdReplicationProgressSet records how far a rule's delivery has got.
const CmdReplicationProgressSet CommandType = 102

// ReplicationProgress is how far a rule's delivery has got, kept in Raft so that
// whichever node takes a partition over resumes where the last one stopped.
type ReplicationProgress struct {
	// Partitions holds, per partition, the change feed's arrival stamp up to which
	// every change has been applied on the target (index.Change.Seq).
	Partitions map[int]uint64 `json:"partitions,omitempty"`
	// BackfillAfter is the last source key the backfill of a mode-all rule has
	// compared and copied; BackfillDone is set once it has gone through the bucket.
	BackfillAfter string `json:"backfillAfter,omitempty"`
	BackfillDone  bool   `json:"backfillDone,omitempty"`
	// BackfillCompared counts the source objects the backfill has compared with the
	// target so far, BackfillCopied those it copied, BackfillBytes their bytes.
	BackfillCompared int64 `json:"backfillCompared,omitempty"`
	BackfillCopied   int64 `json:"backfillCopied,omitempty"`
	BackfillBytes    int64 `json:"backfillBytes,omitempty"`
	// BackfillComparedBytes sums the sizes of the objects compared.
	BackfillComparedBytes int64 `json:"backfillComparedBytes,omitempty"`
	// BackfillStarted is when the backfill began (its first saved step).
	BackfillStarted time.Time `json:"backfillStarted,omitzero"`
	// BackfillTotalObjects and BackfillTotalBytes are what the source held under
	// the rule's prefix when the backfill counted it: the source is listed once,
	// a few pages a round beside the copying, up to BackfillCountAfter, and
	// BackfillCounted is set once the count has gone through the bucket.
	BackfillTotalObjects int64  `json:"backfillTotalObjects,omitempty"`
	BackfillTotalBytes   int64  `json:"backfillTotalBytes,omitempty"`
	BackfillCountAfter   string `json:"backfillCountAfter,omitempty"`
	BackfillCounted      bool   `json:"backfillCounted,omitempty"`
	// BackfillEpoch is the resync the backfill fields belong to: zero for a
	// rule's own backfill (mode all or bidirectional), the resync's stamp after a
	// ReplicationResync, which starts a backfill again, in any mode. A save of
	// backfill fields of another epoch is ignored (a backfiller's step that was
	// under way when the resync was asked).
	BackfillEpoch int64 `json:"backfillEpoch,omitempty"`
}

// ReplicationProgressSet merges progress into a rule's: a partition's stamp only
// moves forward, the backfill position only forward (by key) until done, and only
// within the same BackfillEpoch (ReplicationResync). Unknown
// rules are ignored (a rule deleted meanwhile), so it never fails once proposed.
type ReplicationProgressSet struct {
	Bucket   string              `json:"bucket"`
	ID       string              `json:"id"`
	Progress ReplicationProgress `json:"progress"`
}

func (ReplicationProgressSet) commandType() CommandType { return CmdReplicationProgressSet }

func (f *fsm) applyReplicationProgressSet(c *ReplicationProgressSet) error {
	key := ruleKey(c.Bucket, c.ID)
	if _, ok := f.st.Replication.Rules[key]; !ok {
		return nil
	}
	old := f.st.Replication.Progress[key]
	next := old
	next.Partitions = maps.Clone(old.Partitions)
	if next.Partitions == nil {
		next.Partitions = map[int]uint64{}
	}
	for p, seq := range c.Progress.Partitions {
		if seq > next.Partitions[p] {
			next.Partitions[p] = seq
		}
	}
	if c.Progress.BackfillEpoch == old.BackfillEpoch {
		mergeBackfill(&next, c.Progress) // not a step from before a resync
	}
	f.st.Replication.Progress[key] = next
	return nil
}

// mergeBackfill merges the backfill fields of p into next: each only forward.
func mergeBackfill(next *ReplicationProgress, p ReplicationProgress) {
	if p.BackfillAfter > next.BackfillAfter {
		next.BackfillAfter = p.BackfillAfter
	}
	next.BackfillDone = next.BackfillDone || p.BackfillDone
	next.BackfillCompared = max(next.BackfillCompared, p.BackfillCompared)
	next.BackfillCopied = max(next.BackfillCopied, p.BackfillCopied)
	next.BackfillBytes = max(next.BackfillBytes, p.BackfillBytes)
	next.BackfillComparedBytes = max(next.BackfillComparedBytes, p.BackfillComparedBytes)
	if s := p.BackfillStarted; !s.IsZero() && (next.BackfillStarted.IsZero() || s.Before(next.BackfillStarted)) {
		next.BackfillStarted = s
	}
	// The count's position and totals move forward together.
	next.BackfillCountAfter = max(next.BackfillCountAfter, p.BackfillCountAfter)
	next.BackfillTotalObjects = max(next.BackfillTotalObjects, p.BackfillTotalObjects)
	next.BackfillTotalBytes = max(next.BackfillTotalBytes, p.BackfillTotalBytes)
	next.BackfillCounted = next.BackfillCounted || p.BackfillCounted
}

// CmdReplicationResync starts a rule's backfill again (ReplicationResync).
const CmdReplicationResync CommandType = 103

// ReplicationResync starts a rule's backfill again from the first key, in any
// mode, with its counts and totals cleared: the two sides are compared again by
// listing, after the target lost data or was restored from a backup. Epoch, a
// stamp the proposer takes (Unix nanoseconds), names the resync: a resync of an
// epoch no later than the progress's is a no-op, so the command is idempotent.
// The partitions' checkpoints are kept.
type ReplicationResync struct {
	Bucket string `json:"bucket"`
	ID     string `json:"id"`
	Epoch  int64  `json:"epoch"`
}

func (ReplicationResync) commandType() CommandType { return CmdReplicationResync }

func (f *fsm) applyReplicationResync(c *ReplicationResync) error {
	key := ruleKey(c.Bucket, c.ID)
	if _, ok := f.st.Replication.Rules[key]; !ok {
		return fmt.Errorf("%w: %s of bucket %s", ErrNoSuchReplicationRule, c.ID, c.Bucket)
	}
	old := f.st.Replication.Progress[key]
	if c.Epoch <= old.BackfillEpoch {
		return nil
	}
	f.st.Replication.Progress[key] = ReplicationProgress{Partitions: maps.Clone(old.Partitions), BackfillEpoch: c.Epoch}
	return nil
}

// ResyncReplicationRule starts a rule's backfill again (ReplicationResync);
// ErrNoSuchReplicationRule if there is none.
func (m *Meta) ResyncReplicationRule(ctx context.Context, bucket, id string) error {
	epoch := max(time.Now().UnixNano(), m.ReplicationProgress(bucket, id).BackfillEpoch+1)
	return m.applySetting(ctx, ReplicationResync{Bucket: bucket, ID: id, Epoch: epoch})
}

// ReplicationProgress returns a rule's progress as this node knows it (a local
// read: another node's latest save may not be applied here yet, which only means
// some changes are sent again).
func (m *Meta) ReplicationProgress(bucket, id string) ReplicationProgress {
	m.fsm.mu.RLock()
	defer m.fsm.mu.RUnlock()
	p := m.fsm.st.Replication.Progress[ruleKey(bucket, id)]
	p.Partitions = maps.Clone(p.Partitions)
	return p
}

// SaveReplicationProgress merges p into a rule's progress (ReplicationProgressSet).
func (m *Meta) SaveReplicationProgress(ctx context.Context, bucket, id string, p ReplicationProgress) error {
	return m.applyIdempotent(ctx, ReplicationProgressSet{Bucket: bucket, ID: id, Progress: p})
}

// ReplicationStatus is one rule's delivery as one node sees it: its own
// partitions and, on the backfiller (the Raft leader), the backfill. The site sync
// worker fills it in; the admin API and the metrics read it.
type ReplicationStatus struct {
	Bucket string `json:"bucket"`
	ID     string `json:"id"`
	Paused bool   `json:"paused"`
	// Objects and Bytes count what was applied on the target since this node
	// started; Deletes the deletes among Objects.
	Objects int64 `json:"objects"`
	Deletes int64 `json:"deletes"`
	Bytes   int64 `json:"bytes"`
	// Backlog counts the changes read but not applied in the last round (a lower
	// bound: a partition stops at its first failure).
	Backlog int `json:"backlog"`
	// OldestUnsent is when the oldest change not yet applied arrived; zero when
	// nothing is pending. Lag is now minus it.
	OldestUnsent time.Time `json:"oldestUnsent,omitzero"`
	LagSeconds   float64   `json:"lagSeconds"`
	// Failures counts failed attempts by reason (an S3 error code, "network",
	// "credentials", "connection", "source", "feed", "checkpoint").
	Failures  map[string]int64 `json:"failures"`
	LastError string           `json:"lastError,omitempty"`
	LastErrAt time.Time        `json:"lastErrorAt,omitzero"`
	LastSent  time.Time        `json:"lastSentAt,omitzero"`
	// ObjectsPerSecond and BytesPerSecond are the rate of what was applied on
	// the target over the last minute.
	ObjectsPerSecond float64 `json:"objectsPerSecond"`
	BytesPerSecond   float64 `json:"bytesPerSecond"`
	// BackfillAfter and BackfillDone are the backfill's progress (mode all).
	BackfillAfter string `json:"backfillAfter,omitempty"`
	BackfillDone  bool   `json:"backfillDone,omitempty"`
	// BackfillCompared, BackfillCopied and BackfillBytes are the backfill's counts
	// (ReplicationProgress), cluster-wide.
	BackfillCompared int64 `json:"backfillCompared,omitempty"`
	BackfillCopied   int64 `json:"backfillCopied,omitempty"`
	BackfillBytes    int64 `json:"backfillBytes,omitempty"`
	// BackfillComparedBytes, BackfillStarted, BackfillTotalObjects and
	// BackfillTotalBytes are ReplicationProgress's; BackfillCounting is set while
	// the totals are still being counted (so far a lower bound).
	BackfillComparedBytes int64     `json:"backfillComparedBytes,omitempty"`
	BackfillStarted       time.Time `json:"backfillStarted,omitzero"`
	BackfillTotalObjects  int64     `json:"backfillTotalObjects,omitempty"`
	BackfillTotalBytes    int64     `json:"backfillTotalBytes,omitempty"`
	BackfillCounting      bool      `json:"backfillCounting,omitempty"`
	// BackfillETASeconds estimates the time left of an unfinished backfill whose
	// totals are counted: what is left to compare (bytes, or objects when the
	// objects are empty) at the rate compared since it started. Zero when unknown.
	BackfillETASeconds float64 `json:"backfillEtaSeconds,omitempty"`
}
