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

func TestClusterFlagsFallBackToEnvironment(t *testing.T) {
	cmd := serverCommand()
	t.Setenv("CAIRN_JOIN", "10.0.0.1:7946,10.0.0.2")
	t.Setenv("CAIRN_BOOTSTRAP_EXPECT", "3")
	t.Setenv("CAIRN_ZONE", "dc1")
	t.Setenv("CAIRN_CAPACITY", "4")
	t.Setenv("CAIRN_ADVERTISE_ADDR", "192.0.2.10")
	require.NoError(t, cmd.Flags().Parse([]string{"--rpc-addr", ":17948"}))
	require.NoError(t, applyEnv(cmd.Flags()))
	get := func(name string) string { return cmd.Flags().Lookup(name).Value.String() }
	require.Equal(t, "[10.0.0.1:7946,10.0.0.2]", get("join"))
	require.Equal(t, "3", get("bootstrap-expect"))
	require.Equal(t, "dc1", get("zone"))
	require.Equal(t, "4", get("capacity"))
	require.Equal(t, "192.0.2.10", get("advertise-addr"))
	require.Equal(t, ":17948", get("rpc-addr"))
	require.Equal(t, ":7946", get("gossip-addr"))
	require.Equal(t, "", get("raft-addr"), "the node picks :7947 in a cluster, 127.0.0.1:0 alone")
	require.Nil(t, cmd.Flags().Lookup("cluster-secret"), "the secret is read from the environment only")
}
