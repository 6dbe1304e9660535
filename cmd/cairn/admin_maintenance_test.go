package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/admin"
)

func TestCLIRunsTheCollectorAndTheScanner(t *testing.T) {
	e := newCLIEnv(t)
	ak, sk := e.node.RootCredentials()
	base := []string{"--endpoint", e.url, "--access-key", ak, "--secret-key", sk}
	run := func(args ...string) string { return mustCLI(t, append(base, args...)...) }

	require.Regexp(t, `(?m)^Dry run:\s+true$`, run("gc", "--dry-run"))
	r := jsonCLI[blob.GCResult](t, append(base, "gc")...)
	require.False(t, r.DryRun)
	st := jsonCLI[admin.GCStatus](t, append(base, "gc", "status")...)
	require.EqualValues(t, 1, st.Totals.Runs, "the dry run is not counted")
	require.Regexp(t, `(?m)^Runs since start:\s+1$`, run("gc", "status"))

	require.Regexp(t, `(?m)^Bad blocks:\s+0$`, run("scrub", "--dry-run"))
	sr := jsonCLI[blob.ScrubResult](t, append(base, "scrub")...)
	require.False(t, sr.DryRun)
	require.Regexp(t, `(?m)^Bad inline records since start:\s+0$`, run("scrub", "status"))
}
