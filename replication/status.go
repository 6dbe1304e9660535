package replication

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairnstore/cairn/meta"
)

// ruleStats accumulates one rule's meta.ReplicationStatus.
type ruleStats struct {
	mu sync.Mutex
	s  meta.ReplicationStatus
	// failedRounds counts the rounds in a row with a failure; until is when the
	// rule is tried again (back-off).
	failedRounds int
	until        time.Time
	failedNow    bool
	// recent holds what was sent in each of the last rateWindow seconds, by
	// Unix second modulo rateWindow.
	recent [rateWindow]rateSlot
}

// rateWindow is the span, in seconds, a rule's rate is taken over.
const rateWindow = 60

// rateSlot is what was sent in one second.
type rateSlot struct {
	second         int64
	objects, bytes int64
}

// rate returns the objects and bytes per second sent over the rateWindow seconds
// before now.
func (s *ruleStats) rate(now time.Time) (objects, bytes float64) {
	for _, r := range s.recent {
		if age := now.Unix() - r.second; age >= 0 && age < rateWindow {
			objects += float64(r.objects)
			bytes += float64(r.bytes)
		}
	}
	return objects / rateWindow, bytes / rateWindow
}

// maxBackoff is the longest wait between tries of a failing rule, in rounds.
const maxBackoff = 32

// beginRound reports whether the rule is due (not backing off) and starts a round.
func (s *ruleStats) beginRound(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.until) {
		return false
	}
	s.failedNow = false
	return true
}

// endRound backs the rule off after a round with a failure: 1, 2, 4, ... up to
// maxBackoff intervals; a round without one resets it.
func (s *ruleStats) endRound(now time.Time, interval time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.failedNow {
		s.failedRounds, s.until = 0, time.Time{}
		return
	}
	s.failedRounds++
	s.until = now.Add(interval * time.Duration(min(1<<min(s.failedRounds-1, 10), maxBackoff)))
}

func (w *Worker) ruleStats(r meta.ReplicationRule) *ruleStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := r.Bucket + "\x00" + r.ID
	st, ok := w.stats[k]
	if !ok {
		st = &ruleStats{s: meta.ReplicationStatus{Bucket: r.Bucket, ID: r.ID, Failures: map[string]int64{}}}
		w.stats[k] = st
	}
	return st
}

func (s *ruleStats) fail(reason string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.Failures[reason]++
	s.s.LastError, s.s.LastErrAt = err.Error(), time.Now().UTC()
	s.failedNow = true
}

func (s *ruleStats) sent(bytes int64, deleted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.Objects++
	s.s.Bytes += bytes
	if deleted {
		s.s.Deletes++
	}
	now := time.Now().UTC()
	s.s.LastSent = now
	slot := &s.recent[now.Unix()%rateWindow]
	if slot.second != now.Unix() {
		*slot = rateSlot{second: now.Unix()}
	}
	slot.objects++
	slot.bytes += bytes
}

func (s *ruleStats) setPaused(p bool) {
	s.mu.Lock()
	s.s.Paused = p
	s.mu.Unlock()
}

func (s *ruleStats) setBacklog(n int, oldestSeq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.Backlog = n
	s.s.OldestUnsent = time.Time{}
	if oldestSeq != 0 {
		s.s.OldestUnsent = time.UnixMilli(int64(oldestSeq >> 16)).UTC()
	}
}

// backfillTotals sets a status's backfill totals and ETA from the rule's progress p
// at now.
func backfillTotals(s *meta.ReplicationStatus, p meta.ReplicationProgress, now time.Time) {
	s.BackfillComparedBytes, s.BackfillStarted = p.BackfillComparedBytes, p.BackfillStarted
	s.BackfillTotalObjects, s.BackfillTotalBytes = p.BackfillTotalObjects, p.BackfillTotalBytes
	s.BackfillCounting = !p.BackfillStarted.IsZero() && !p.BackfillCounted && !p.BackfillDone
	if p.BackfillDone || !p.BackfillCounted || p.BackfillStarted.IsZero() {
		return
	}
	elapsed := now.Sub(p.BackfillStarted).Seconds()
	done, total := float64(p.BackfillComparedBytes), float64(p.BackfillTotalBytes)
	if p.BackfillTotalBytes == 0 {
		done, total = float64(p.BackfillCompared), float64(p.BackfillTotalObjects)
	}
	if done > 0 && elapsed > 0 {
		s.BackfillETASeconds = max(total-done, 0) / (done / elapsed)
	}
}

// Status returns every rule's status on this node, by bucket and id. Rules
// deleted since are left out.
func (w *Worker) Status() []meta.ReplicationStatus {
	w.mu.Lock()
	all := slices.Collect(maps.Values(w.stats))
	w.mu.Unlock()
	out := make([]meta.ReplicationStatus, 0, len(all))
	now := time.Now()
	for _, st := range all {
		st.mu.Lock()
		s := st.s
		s.Failures = maps.Clone(st.s.Failures)
		s.ObjectsPerSecond, s.BytesPerSecond = st.rate(now)
		st.mu.Unlock()
		if !s.OldestUnsent.IsZero() {
			s.LagSeconds = now.Sub(s.OldestUnsent).Seconds()
		}
		p := w.md.ReplicationProgress(s.Bucket, s.ID)
		s.BackfillAfter, s.BackfillDone = p.BackfillAfter, p.BackfillDone
		s.BackfillCompared, s.BackfillCopied, s.BackfillBytes = p.BackfillCompared, p.BackfillCopied, p.BackfillBytes
		backfillTotals(&s, p, now)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b meta.ReplicationStatus) int {
		if c := strings.Compare(a.Bucket, b.Bucket); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
