package main

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/s3api/admin"
)

func TestCLIRunsLifecycle(t *testing.T) {
	e := newCLIEnv(t)
	ak, sk := e.node.RootCredentials()
	base := []string{"--endpoint", e.url, "--access-key", ak, "--secret-key", sk}

	before := jsonCLI[admin.LifecycleStatus](t, append(base, "lifecycle", "status")...)
	require.Equal(t, e.node.NodeID(), before.Node)
	r := jsonCLI[lifecycle.Result](t, append(base, "lifecycle")...)
	require.Empty(t, r.Error)
	require.False(t, r.Start.IsZero())
	after := jsonCLI[admin.LifecycleStatus](t, append(base, "lifecycle", "status")...)
	require.GreaterOrEqual(t, after.Totals.Runs, before.Totals.Runs+1)
	require.False(t, after.Progress.Running)
	require.Regexp(t, `(?m)^Runs since start:\s+\d+$`, mustCLI(t, append(base, "lifecycle", "status")...))

	resp, err := http.Get(e.node.AdminURL() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), `cairn_lifecycle_actions_total{action="expired"} 0`)
	require.Regexp(t, `(?m)^cairn_lifecycle_runs_total [1-9]`, string(body))
}
