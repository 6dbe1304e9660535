package meta

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// UserStatus says whether a user may sign requests.
type UserStatus string

// The statuses of a user.
const (
	UserEnabled  UserStatus = "enabled"
	UserDisabled UserStatus = "disabled"
)

// UserInput is what CreateUser needs.
type UserInput struct {
	// Name is 1–64 characters of A–Z, a–z, 0–9 and + = , . @ _ -, as in AWS IAM, and
	// not "root" in any case. Names are case-sensitive.
	Name string
	// Policies are managed policies to attach; each must exist.
	Policies []string
	// Expiry, when set, is the instant from which the user's keys are refused.
	Expiry *time.Time
}

// User is an IAM user. Its access keys are listed by AccessKeys.
type User struct {
	Name   string
	Status UserStatus
	// Expiry is the instant from which the user is refused; nil: never.
	Expiry *time.Time
	// Policies are the managed policies attached to the user, sorted.
	Policies []string
	// Groups are the groups the user is a member of, sorted.
	Groups    []string
	CreatedAt time.Time
}

// Expired reports whether the user's expiry has come at now.
func (u User) Expired(now time.Time) bool { return expired(u.Expiry, now) }

func expired(expiry *time.Time, now time.Time) bool {
	return expiry != nil && !now.Before(*expiry)
}

// AccessKeyInfo describes an access key without its secret, as AccessKeys lists them.
type AccessKeyInfo struct {
	ID        string
	User      string
	CreatedAt time.Time
	Expiry    *time.Time // nil: never
}

// CreateUser creates an enabled user with no access key (see CreateAccessKey).
// ErrUserExists if the name is taken, ErrNoSuchPolicy if a policy does not exist,
// ErrInvalid for a bad name or an expiry in the past.
func (m *Meta) CreateUser(ctx context.Context, in UserInput) error {
	if err := checkUserName(in.Name); err != nil {
		return err
	}
	for _, p := range in.Policies {
		if err := checkPolicyName(p); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	if in.Expiry != nil && !in.Expiry.After(now) {
		return invalidf("the expiry %s is not in the future", in.Expiry.Format(time.RFC3339))
	}
	return m.applyConfig(ctx, UserCreate{Name: in.Name, Policies: in.Policies, Expiry: utcPtr(in.Expiry), CreatedAt: now})
}

// User returns a user; ErrNoSuchUser if none. A local miss is confirmed against the
// leader first.
func (m *Meta) User(ctx context.Context, name string) (User, error) {
	u, ok, err := confirmed(ctx, m, func() (User, bool) { return m.fsm.user(name) })
	switch {
	case err != nil:
		return User{}, err
	case !ok:
		return User{}, fmt.Errorf("%w: %s", ErrNoSuchUser, name)
	}
	return u, nil
}

// Users returns every user in name order, from the local state. The root user is not
// an IAM user and is not listed.
func (m *Meta) Users(ctx context.Context) ([]User, error) {
	return m.fsm.users(), nil
}

// SetUserStatus enables or disables a user. A disabled user's keys still exist, and
// every request signed with them is refused until the user is enabled again.
// ErrNoSuchUser if none.
func (m *Meta) SetUserStatus(ctx context.Context, name string, status UserStatus) error {
	switch status {
	case UserEnabled, UserDisabled:
	default:
		return invalidf("user status %q (want %q or %q)", status, UserEnabled, UserDisabled)
	}
	return m.applySetting(ctx, UserStatusSet{Name: name, Disabled: status == UserDisabled})
}

// SetUserExpiry sets the instant from which a user is refused, or clears it (nil).
// ErrNoSuchUser if none.
func (m *Meta) SetUserExpiry(ctx context.Context, name string, expiry *time.Time) error {
	return m.applySetting(ctx, UserExpirySet{Name: name, Expiry: utcPtr(expiry)})
}

// DeleteUser deletes a user, its access keys and its group memberships in one step.
// ErrNoSuchUser if none.
func (m *Meta) DeleteUser(ctx context.Context, name string) error {
	return m.applyConfig(ctx, UserDelete{Name: name})
}

// keyAttempts bounds the retries of CreateAccessKey and RotateAccessKey when a random
// id is taken, which practically never happens (36^20 ids).
const keyAttempts = 3

// CreateAccessKey gives a user a new access key: a random 20-character id (A–Z, 0–9)
// and a random 40-character secret (A–Z, a–z, 0–9), from crypto/rand. It returns
// the key with its secret: the only time the secret is shown, since no other call
// returns it to the admin API. A user may have several keys. ErrNoSuchUser if the
// user does not exist; ErrRootKey for the root user.
func (m *Meta) CreateAccessKey(ctx context.Context, user string) (AccessKey, error) {
	if user == RootUser {
		return AccessKey{}, ErrRootKey
	}
	for attempt := 1; ; attempt++ {
		k := AccessKey{ID: newAccessKeyID(), Secret: newSecretKey(), User: user, CreatedAt: time.Now().UTC()}
		err := m.applyConfig(ctx, UserKeyCreate{ID: k.ID, User: user, Secret: m.sealer.seal(k.ID, k.Secret), CreatedAt: k.CreatedAt})
		if errors.Is(err, ErrAccessKeyExists) && attempt < keyAttempts {
			continue
		}
		if err != nil {
			return AccessKey{}, err
		}
		return k, nil
	}
}

// RotateAccessKey replaces access key id by a new key of the same user, in one step,
// and returns the new key with its secret. As in AWS, rotation makes a new key (a new
// id and a new secret): the old id stops working at once, the new one works at once.
// ErrNoSuchAccessKey if id does not exist; ErrRootKey for the root user's key.
func (m *Meta) RotateAccessKey(ctx context.Context, id string) (AccessKey, error) {
	rec, ok, err := confirmed(ctx, m, func() (accessKeyRecord, bool) { return m.fsm.accessKey(id) })
	switch {
	case err != nil:
		return AccessKey{}, err
	case !ok:
		return AccessKey{}, fmt.Errorf("%w: %s", ErrNoSuchAccessKey, id)
	case rec.User == RootUser:
		return AccessKey{}, ErrRootKey
	}
	for attempt := 1; ; attempt++ {
		k := AccessKey{ID: newAccessKeyID(), Secret: newSecretKey(), User: rec.User, CreatedAt: time.Now().UTC()}
		err := m.applyConfig(ctx, AccessKeyRotate{OldID: id, User: rec.User, NewID: k.ID, Secret: m.sealer.seal(k.ID, k.Secret), CreatedAt: k.CreatedAt})
		if errors.Is(err, ErrAccessKeyExists) && attempt < keyAttempts {
			continue
		}
		if err != nil {
			return AccessKey{}, err
		}
		return k, nil
	}
}

// AccessKeys lists a user's access keys, oldest first, without their secrets.
// ErrNoSuchUser if the user does not exist. RootUser lists the root key.
func (m *Meta) AccessKeys(ctx context.Context, user string) ([]AccessKeyInfo, error) {
	if user != RootUser {
		if _, err := m.User(ctx, user); err != nil {
			return nil, err
		}
	}
	return m.fsm.accessKeysOf(user), nil
}

// utcPtr returns a copy of t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
