package meta

import (
	"context"
	"fmt"
	"time"

	"github.com/cairnstore/cairn/meta/policy"
)

// Principal is the identity behind an access key, with what the authorizer needs to
// decide a request: the user's state and its policies, compiled.
type Principal struct {
	// User is the user's name; RootUser for the root key.
	User string
	// AccessKeyID is the key that was looked up.
	AccessKeyID string
	// IsRoot marks the root user: allowed everything a bucket policy does not deny.
	IsRoot bool
	// Status and Expiry are the user's; Check applies them.
	Status UserStatus
	Expiry *time.Time
	// KeyExpiry is the access key's own expiry (AccessKey.Expiry); Check applies it.
	KeyExpiry *time.Time
	// Groups are the user's groups, sorted.
	Groups []string
	// PolicyNames are the managed policies that apply to the user: its own, then its
	// groups' (in group order), each once. Policies holds them compiled, index for
	// index, for policy.Evaluate; shared and immutable.
	PolicyNames []string
	Policies    []*policy.Policy
}

// Check returns ErrUserDisabled, ErrUserExpired or ErrAccessKeyExpired (wrapped,
// with the expiry) if the principal may not sign requests at now, else nil.
func (p Principal) Check(now time.Time) error {
	switch {
	case expired(p.KeyExpiry, now):
		return fmt.Errorf("%w: %s expired at %s", ErrAccessKeyExpired, p.AccessKeyID, p.KeyExpiry.Format(time.RFC3339))
	case p.Status == UserDisabled:
		return fmt.Errorf("%w: %s", ErrUserDisabled, p.User)
	case expired(p.Expiry, now):
		return fmt.Errorf("%w: %s expired at %s", ErrUserExpired, p.User, p.Expiry.Format(time.RFC3339))
	}
	return nil
}

// Principal resolves an access key for the authorizer. The read is local (a map
// lookup and no JSON: policies are compiled when they are applied); a miss is
// confirmed against the leader, as AccessKey does. ErrNoSuchAccessKey if the key does
// not exist. It fails closed: a key whose user is gone, or a policy of the user that
// does not compile, is an error (ErrNoSuchUser, ErrMalformedPolicy), never a policy
// silently skipped. Disabled and expired users are returned: see Principal.Check.
func (m *Meta) Principal(ctx context.Context, accessKeyID string) (Principal, error) {
	r, ok, err := confirmed(ctx, m, func() (principalResult, bool) { return m.fsm.principal(accessKeyID) })
	switch {
	case err != nil:
		return Principal{}, err
	case !ok:
		return Principal{}, fmt.Errorf("%w: %s", ErrNoSuchAccessKey, accessKeyID)
	case r.err != nil:
		return Principal{}, r.err
	}
	return r.p, nil
}
