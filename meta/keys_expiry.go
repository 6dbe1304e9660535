package meta

import (
	"context"
	"errors"
	"time"
)

// ExpiredKeyGrace is how long after its expiry the leader deletes an access key: the
// key is refused from its expiry on (Principal.Check); the grace only keeps clocks a
// little apart from deleting a key another node still thinks valid.
const ExpiredKeyGrace = time.Minute

// expiredKeys returns the ids of the access keys whose expiry is before t.
func (f *fsm) expiredKeys(t time.Time) []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var ids []string
	for id, k := range f.st.AccessKeys {
		if k.Expiry != nil && k.Expiry.Before(t) {
			ids = append(ids, id)
		}
	}
	return ids
}

// deleteExpiredKeys deletes, on the leader, every access key expired more than
// ExpiredKeyGrace before now: a console session key whose node crashed before it could
// delete the key at the session's end is gone a minute after the session would have
// ended. A failure is logged and retried at the next round.
func (m *Meta) deleteExpiredKeys(ctx context.Context, now time.Time) {
	for _, id := range m.fsm.expiredKeys(now.Add(-ExpiredKeyGrace)) {
		err := m.applyConfig(ctx, AccessKeyDelete{ID: id})
		switch {
		case err == nil:
			m.log.Info("deleted an expired access key", "access_key", id)
		case errors.Is(err, ErrNoSuchAccessKey):
		case ctx.Err() == nil:
			m.log.Warn("could not delete an expired access key; will retry", "access_key", id, "error", err)
		}
	}
}
