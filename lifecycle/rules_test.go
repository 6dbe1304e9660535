package lifecycle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
)

func TestDueRoundsUpToTheNextDay(t *testing.T) {
	created := time.Date(2026, 3, 1, 15, 4, 5, 0, time.UTC)
	require.Equal(t, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), due(created, 1, DefaultDay), "S3: midnight UTC of the day after creation+Days")
	midnight := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), due(midnight, 1, DefaultDay))
	require.Equal(t, time.Date(2026, 3, 1, 15, 4, 7, 0, time.UTC), due(created, 1, time.Second), "a shortened day rounds to its own length")
}

func TestCurrentExpiryEarliestMatchingRule(t *testing.T) {
	date := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	cfg := &meta.LifecycleConfig{Rules: []meta.LifecycleRule{
		{ID: "off", Enabled: false, ExpirationDays: 1},
		{ID: "late", Enabled: true, ExpirationDays: 30},
		{ID: "date", Enabled: true, ExpirationDate: date, Filter: meta.LifecycleFilter{Prefix: "logs/"}},
		{ID: "tagged", Enabled: true, ExpirationDays: 2, Filter: meta.LifecycleFilter{Tags: []meta.LifecycleTag{{Key: "t", Value: "1"}}}},
		{ID: "big", Enabled: true, ExpirationDays: 3, Filter: meta.LifecycleFilter{SizeGreaterThan: 100}},
	}}
	created := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	e, ok := CurrentExpiry(cfg, "data/x", nil, 10, created, DefaultDay)
	require.True(t, ok)
	require.Equal(t, "late", e.RuleID, "a disabled rule never applies")
	e, _ = CurrentExpiry(cfg, "logs/x", nil, 10, created, DefaultDay)
	require.Equal(t, Expiry{At: date, RuleID: "date"}, e)
	e, _ = CurrentExpiry(cfg, "data/x", map[string]string{"t": "1"}, 10, created, DefaultDay)
	require.Equal(t, "tagged", e.RuleID)
	e, _ = CurrentExpiry(cfg, "data/x", nil, 101, created, DefaultDay)
	require.Equal(t, "big", e.RuleID)
	_, ok = CurrentExpiry(&meta.LifecycleConfig{Rules: []meta.LifecycleRule{{ID: "nc", Enabled: true, NoncurrentDays: 1}}}, "k", nil, 1, created, DefaultDay)
	require.False(t, ok, "no expiration of current versions")
}

func TestPlan(t *testing.T) {
	day := time.Second
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	v := func(id string, at int, marker bool) blob.VersionInfo {
		return blob.VersionInfo{VersionID: id, Versioned: true, DeleteMarker: marker, Created: t0.Add(time.Duration(at) * time.Second)}
	}
	nc := &meta.LifecycleConfig{Rules: []meta.LifecycleRule{{ID: "nc", Enabled: true, NoncurrentDays: 1, NewerNoncurrentVersions: 1}}}
	versions := []blob.VersionInfo{v("v4", 30, false), v("v3", 20, false), v("v2", 10, false), v("v1", 0, false)}
	// v3 is the one newer noncurrent version kept; v2 and v1 are due 1-2 days after
	// their successors were made.
	require.Empty(t, Plan(nc, "k", versions, t0.Add(11*time.Second), day), "v2's successor is v3, made at 20s")
	got := Plan(nc, "k", versions, t0.Add(22*time.Second), day)
	require.Len(t, got, 2)
	require.Equal(t, "v2", got[0].Version.VersionID)
	require.Equal(t, "v1", got[1].Version.VersionID)
	require.Equal(t, RemoveNoncurrent, got[0].Kind)

	markers := &meta.LifecycleConfig{Rules: []meta.LifecycleRule{{ID: "dm", Enabled: true, ExpiredObjectDeleteMarker: true}}}
	require.Empty(t, Plan(markers, "k", []blob.VersionInfo{v("m", 5, true), v("v1", 0, false)}, t0.Add(time.Hour), day), "a marker with versions behind it is not expired")
	got = Plan(markers, "k", []blob.VersionInfo{v("m", 5, true)}, t0.Add(time.Hour), day)
	require.Equal(t, []Action{{Kind: RemoveDeleteMarker, Version: v("m", 5, true), RuleID: "dm"}}, got)

	days := &meta.LifecycleConfig{Rules: []meta.LifecycleRule{{ID: "days", Enabled: true, ExpirationDays: 2}}}
	require.Empty(t, Plan(days, "k", []blob.VersionInfo{v("m", 5, true)}, t0.Add(6*time.Second), day), "an Expiration Days rule waits for the marker to be that old")
	got = Plan(days, "k", []blob.VersionInfo{v("m", 5, true)}, t0.Add(8*time.Second), day)
	require.Equal(t, RemoveDeleteMarker, got[0].Kind)

	exp := &meta.LifecycleConfig{Rules: []meta.LifecycleRule{{ID: "exp", Enabled: true, ExpirationDays: 1, NoncurrentDays: 1}}}
	got = Plan(exp, "k", []blob.VersionInfo{v("v2", 10, false), v("v1", 0, false)}, t0.Add(time.Hour), day)
	require.Equal(t, []Action{{Kind: ExpireCurrent, Version: v("v2", 10, false), RuleID: "exp"}}, got, "an expiration is planned alone")
	require.False(t, got[0].Removes(blob.VersioningEnabled), "a delete marker removes nothing")
	require.True(t, got[0].Removes(blob.Unversioned))
}

func TestAbortDue(t *testing.T) {
	cfg := &meta.LifecycleConfig{Rules: []meta.LifecycleRule{{ID: "up", Enabled: true, AbortDays: 2, Filter: meta.LifecycleFilter{Prefix: "tmp/"}}}}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	_, ok := AbortDue(cfg, "tmp/a", at, time.Date(2026, 3, 3, 23, 59, 0, 0, time.UTC), DefaultDay)
	require.False(t, ok)
	id, ok := AbortDue(cfg, "tmp/a", at, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), DefaultDay)
	require.True(t, ok)
	require.Equal(t, "up", id)
	_, ok = AbortDue(cfg, "keep/a", at, at.AddDate(1, 0, 0), DefaultDay)
	require.False(t, ok)
}
