package meta

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenRefusesAnotherSealingKey: a node restarted with another SecretKey than the
// one that sealed its data is refused at Open, naming where each key came from, and
// the record tells nothing of the key.
func TestOpenRefusesAnotherSealingKey(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := testConfig(t, "n1", dir)
	cfg.SecretKeySource = "the cluster secret (CAIRN_CLUSTER_SECRET)"
	m := openNode(t, cfg)
	require.NoError(t, m.SetRootKey(testCtx(t), "ROOTKEY", "a sealed secret"))
	require.NoError(t, m.Close())
	rec, err := os.ReadFile(filepath.Join(dir, sealKeyFile))
	require.NoError(t, err)
	require.False(t, bytes.Contains(rec, testSecretKey), "the record holds a check value, not the key")

	other := bytes.Repeat([]byte{7}, secretKeySize)
	cfg.SecretKey, cfg.SecretKeySource = other, "this node's own key (node.key)"
	_, err = Open(context.Background(), cfg)
	require.ErrorIs(t, err, ErrSealKey)
	require.ErrorContains(t, err, "sealed with the cluster secret (CAIRN_CLUSTER_SECRET), but this node now starts with this node's own key (node.key)")

	cfg.SecretKeySource = "the cluster secret (CAIRN_CLUSTER_SECRET)"
	_, err = Open(context.Background(), cfg)
	require.ErrorIs(t, err, ErrSealKey)
	require.ErrorContains(t, err, "another value of it")

	cfg.SecretKey = testSecretKey
	m = openNode(t, cfg) // the right key opens it again
	k, ok, err := m.RootKey(testCtx(t))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "a sealed secret", k.Secret)
	require.NoError(t, m.Close())
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.key")
	key, err := LoadOrCreateKey(path)
	require.NoError(t, err)
	require.Len(t, key, secretKeySize)
	again, err := LoadOrCreateKey(path)
	require.NoError(t, err)
	require.Equal(t, key, again)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	require.NoError(t, os.WriteFile(path, []byte("short"), 0o600))
	_, err = LoadOrCreateKey(path)
	require.ErrorContains(t, err, "damaged")
}
