package node

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"path/filepath"

	"github.com/cairnstore/cairn/meta"
)

// nodeKeySource is how a single node's SecretKey is named to the operator.
const nodeKeySource = "this node's own key (node.key in its data directory, used when CAIRN_CLUSTER_SECRET is not set)"

// useNodeKey gives a single node's meta its own key for secrets at rest, node.key in
// the data directory, created on the first start.
func (n *Node) useNodeKey(mcfg *meta.Config) error {
	key, err := meta.LoadOrCreateKey(filepath.Join(n.cfg.DataDir, "node.key"))
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	mcfg.SecretKey, mcfg.SecretKeySource = key, nodeKeySource
	return nil
}

// encryptionKey derives the master key of server-side encryption (blob
// Config.EncryptionKey, docs/encryption.md) from the key that seals meta's secrets:
// the same on every node of a cluster (it comes from the cluster secret) and across
// restarts, and independent of the sealing key itself (HKDF-SHA256 with its own
// label), so that neither key reveals the other.
func encryptionKey(secretKey []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, secretKey, nil, "cairn object encryption master key v1", 32)
}

// ensureRoot makes the root credentials what the configuration says, or generates
// random ones on the cluster's first start when none are configured.
func (n *Node) ensureRoot(ctx context.Context) error {
	current, ok, err := n.meta.RootKey(ctx)
	if err != nil {
		return fmt.Errorf("node: read root key: %w", err)
	}
	switch {
	case n.cfg.RootAccessKey != "":
		if !ok || current.ID != n.cfg.RootAccessKey || current.Secret != n.cfg.RootSecretKey {
			if err := n.meta.SetRootKey(ctx, n.cfg.RootAccessKey, n.cfg.RootSecretKey); err != nil {
				return fmt.Errorf("node: set root key: %w", err)
			}
		}
		n.accessKey, n.secretKey = n.cfg.RootAccessKey, n.cfg.RootSecretKey
	case ok:
		n.accessKey, n.secretKey = current.ID, current.Secret
	default:
		// Every node of a new cluster may get here at once: the first key applied wins
		// and every node reads it back, so only the winner shows it as generated.
		k, mine, err := n.meta.InitRootKey(ctx, randomString(accessKeyAlphabet, 20), randomString(secretKeyAlphabet, 40))
		if err != nil {
			return fmt.Errorf("node: set root key: %w", err)
		}
		n.accessKey, n.secretKey, n.generated = k.ID, k.Secret, mine
	}
	return nil
}

const (
	accessKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString returns n characters drawn uniformly from alphabet by crypto/rand.
func randomString(alphabet string, n int) string {
	out := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		if int(buf[0]) < 256-256%len(alphabet) { // reject to avoid modulo bias
			out[i] = alphabet[int(buf[0])%len(alphabet)]
			i++
		}
	}
	return string(out)
}
