package meta

import (
	"context"
	"time"
)

// InitRootKey makes id/secret the root user's key if root has none yet, and returns
// the root key in effect and whether it is the one given. Every node of a new
// cluster may call it at once with its own random key: the first applied wins and
// every caller gets that one back.
func (m *Meta) InitRootKey(ctx context.Context, id, secret string) (AccessKey, bool, error) {
	if id == "" || secret == "" {
		return AccessKey{}, false, invalidf("root key needs an id and a secret")
	}
	err := m.applyIdempotent(ctx, RootKeyInit{ID: id, Secret: m.sealer.seal(id, secret), CreatedAt: time.Now().UTC()})
	if err != nil {
		return AccessKey{}, false, err
	}
	k, ok, err := m.RootKey(ctx)
	switch {
	case err != nil:
		return AccessKey{}, false, err
	case !ok:
		return AccessKey{}, false, ErrNotReady // applied but not yet visible: cannot happen after catch-up
	}
	return k, k.ID == id && k.Secret == secret, nil
}
