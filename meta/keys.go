package meta

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// AccessKey returns an access key with its secret; ErrNoSuchAccessKey if unknown. A
// local miss is confirmed against the leader first, so it may return an error
// wrapping ErrNotReady.
func (m *Meta) AccessKey(ctx context.Context, id string) (AccessKey, error) {
	rec, ok, err := confirmed(ctx, m, func() (accessKeyRecord, bool) { return m.fsm.accessKey(id) })
	switch {
	case err != nil:
		return AccessKey{}, err
	case !ok:
		return AccessKey{}, ErrNoSuchAccessKey
	}
	return m.unseal(rec)
}

// RootKey returns the root user's access key, and false if none has been set.
func (m *Meta) RootKey(ctx context.Context) (AccessKey, bool, error) {
	rec, ok, err := confirmed(ctx, m, m.fsm.rootKey)
	if err != nil || !ok {
		return AccessKey{}, false, err
	}
	k, err := m.unseal(rec)
	return k, err == nil, err
}

// SetRootKey makes id/secret the root user's only access key; ErrAccessKeyExists if
// id belongs to another user.
func (m *Meta) SetRootKey(ctx context.Context, id, secret string) error {
	if id == "" || secret == "" {
		return invalidf("root key needs an id and a secret")
	}
	return m.applyIdempotent(ctx, RootKeySet{ID: id, Secret: m.sealer.seal(id, secret), CreatedAt: time.Now().UTC()})
}

// PutAccessKey stores access key k of user k.User, or replaces it if k.ID is already
// that user's; ErrAccessKeyExists if k.ID belongs to another user. k.CreatedAt
// defaults to now; k.Expiry, if set, must be in the future. The secret is encrypted
// before it is proposed.
func (m *Meta) PutAccessKey(ctx context.Context, k AccessKey) error {
	if k.ID == "" || k.User == "" || k.Secret == "" {
		return invalidf("access key needs an id, a user and a secret")
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC()
	}
	if k.Expiry != nil && !k.Expiry.After(time.Now()) {
		return invalidf("the key's expiry %s is not in the future", k.Expiry.Format(time.RFC3339))
	}
	return m.applySetting(ctx, AccessKeyPut{ID: k.ID, User: k.User, Secret: m.sealer.seal(k.ID, k.Secret), CreatedAt: k.CreatedAt, Expiry: utcPtr(k.Expiry)})
}

// DeleteAccessKey removes an access key; ErrNoSuchAccessKey if unknown.
func (m *Meta) DeleteAccessKey(ctx context.Context, id string) error {
	return m.applyConfig(ctx, AccessKeyDelete{ID: id})
}

// unseal is the AccessKey of a record, its secret decrypted.
func (m *Meta) unseal(rec accessKeyRecord) (AccessKey, error) {
	secret, err := m.sealer.open(rec.ID, rec.Sealed)
	if err != nil {
		return AccessKey{}, fmt.Errorf("access key %s: %w", rec.ID, err)
	}
	return AccessKey{ID: rec.ID, Secret: secret, User: rec.User, CreatedAt: rec.CreatedAt, Expiry: utcPtr(rec.Expiry)}, nil
}

// String formats the key with its secret redacted, for %v and %s.
func (k AccessKey) String() string {
	return fmt.Sprintf("{ID:%s User:%s CreatedAt:%s Secret:REDACTED}", k.ID, k.User, k.CreatedAt.Format(time.RFC3339))
}

// GoString formats the key with its secret redacted, for %#v.
func (k AccessKey) GoString() string { return "meta.AccessKey" + k.String() }

// LogValue logs the key with its secret redacted.
func (k AccessKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("user", k.User), slog.Time("created_at", k.CreatedAt))
}
