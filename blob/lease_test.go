package blob

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
)

// An owner grants a key's lease to one token at a time, stores a leased write only
// while the token holds a live lease, and forgets a lease once released or expired.
func TestLeases(t *testing.T) {
	var l leases
	ok := func() error { return nil }
	k := leaseKey(3, "b", "k")
	require.NoError(t, l.grant(k, "a", time.Hour, ok))
	require.ErrorIs(t, l.grant(k, "b", time.Hour, ok), ErrLeaseHeld)
	require.NoError(t, l.grant(leaseKey(3, "b", "other"), "b", time.Hour, ok), "another key is free")
	require.NoError(t, l.grant(k, "a", time.Hour, ok), "the holder may renew")

	wrote := 0
	write := func() error { wrote++; return nil }
	require.NoError(t, l.under(k, "a", false, write))
	require.ErrorIs(t, l.under(k, "b", false, write), ErrLeaseLost)
	require.Equal(t, 1, wrote)

	l.release(k, "b") // not the holder: no effect
	require.ErrorIs(t, l.grant(k, "b", time.Hour, ok), ErrLeaseHeld)
	l.release(k, "a")
	require.ErrorIs(t, l.under(k, "a", false, write), ErrLeaseLost, "released")
	require.NoError(t, l.grant(k, "b", -time.Second, ok)) // granted already run out
	require.ErrorIs(t, l.under(k, "b", false, write), ErrLeaseLost, "expired")
	require.NoError(t, l.grant(k, "c", time.Hour, ok), "an expired lease is no obstacle")

	// An extra copy: stored, uncounted, only where no one holds the key.
	wrote = 0
	require.ErrorIs(t, l.under(k, "d", true, write), ErrLeaseLost, "c holds it")
	require.Equal(t, 0, wrote)
	require.NoError(t, l.under(k, "c", true, write), "the holder's write counts")
	free := leaseKey(9, "b", "free")
	require.ErrorIs(t, l.under(free, "d", true, write), ErrStoredUnleased)
	require.Equal(t, 2, wrote)
	require.ErrorIs(t, l.under(free, "d", false, write), ErrLeaseLost)
	require.Equal(t, 2, wrote)

	// A failed read is no grant.
	boom := errors.New("boom")
	require.ErrorIs(t, l.grant(leaseKey(1, "b", "x"), "d", time.Hour, func() error { return boom }), boom)
	require.NoError(t, l.grant(leaseKey(1, "b", "x"), "e", time.Hour, ok))
}

func TestConditionCheck(t *testing.T) {
	cur := index.Record{ETag: "abc", Size: 5, HLC: uint64(1700000000123) << 16}
	marker := index.Record{DeleteMarker: true}
	size := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name  string
		c     Condition
		rec   index.Record
		found bool
		want  error
	}{
		{"none-match, no object", Condition{IfNoneMatch: true}, index.Record{}, false, nil},
		{"none-match, object", Condition{IfNoneMatch: true}, cur, true, ErrPreconditionFailed},
		{"none-match, delete marker", Condition{IfNoneMatch: true}, marker, true, nil},
		{"match, same", Condition{IfMatch: `"abc"`}, cur, true, nil},
		{"match, unquoted", Condition{IfMatch: "abc"}, cur, true, nil},
		{"match, other", Condition{IfMatch: `"abd"`}, cur, true, ErrPreconditionFailed},
		{"match, star", Condition{IfMatch: "*"}, cur, true, nil},
		{"match, no object", Condition{IfMatch: "abc"}, index.Record{}, false, ErrNoSuchKey},
		{"match, delete marker", Condition{IfMatch: "*"}, marker, true, ErrNoSuchKey},
		{"size, same", Condition{IfMatchSize: size(5)}, cur, true, nil},
		{"size, other", Condition{IfMatchSize: size(4)}, cur, true, ErrPreconditionFailed},
		{"size, no object", Condition{IfMatchSize: size(4)}, index.Record{}, false, nil},
	} {
		err := tc.c.check(&tc.rec, tc.found)
		if tc.want == nil {
			require.NoError(t, err, tc.name)
		} else {
			require.ErrorIs(t, err, tc.want, tc.name)
		}
	}
}
