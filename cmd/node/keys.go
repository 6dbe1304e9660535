package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// loadOrCreateKey returns the node's 32-byte key for secrets at rest, creating it
// (mode 0600, fsynced) on the first start. The key stays on the node's own disk, so a
// copy of the Raft log or a snapshot alone does not reveal any secret.
func loadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != 32 {
			return nil, fmt.Errorf("node: %s is damaged: want 32 bytes, found %d", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("node: read key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("node: create key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	return key, syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
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
