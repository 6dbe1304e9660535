package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlagsFallBackToEnvironment(t *testing.T) {
	cmd := serverCommand()
	t.Setenv("CAIRN_S3_ADDR", "127.0.0.1:19000")
	t.Setenv("CAIRN_NODE_ID", "from-env")
	t.Setenv("CAIRN_DATA", "/from/env")
	require.NoError(t, cmd.Flags().Parse([]string{"--data", "/from/flag"}))
	require.NoError(t, applyEnv(cmd.Flags()))
	get := func(name string) string { return cmd.Flags().Lookup(name).Value.String() }
	require.Equal(t, "127.0.0.1:19000", get("s3-addr"))
	require.Equal(t, "from-env", get("node-id"))
	require.Equal(t, "/from/flag", get("data"), "a flag on the command line wins over the environment")
	require.Equal(t, ":9001", get("admin-addr"))
	require.Equal(t, "CAIRN_ADMIN_ADDR", envName("admin-addr"))
}
