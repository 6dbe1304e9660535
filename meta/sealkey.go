package meta

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The key that seals access-key secrets (Config.SecretKey) comes from the cluster
// secret on a cluster node and from the node's own key file on a single node. Data
// sealed under one cannot be read under the other, so Open records, in the data
// directory of a new node, which key sealed it (its source and a check value that
// does not reveal it), and refuses a later start with another key with a message
// that names the setting to restore.

// sealKeyFile is the record's name in Config.Dir.
const sealKeyFile = "sealing-key.json"

// sealKeyRecord is what sealKeyFile holds.
type sealKeyRecord struct {
	// Source says where the key came from (Config.SecretKeySource).
	Source string `json:"source"`
	// Check is HMAC-SHA256(key, "cairn sealing key check"), hex: equal for the same
	// key, and telling nothing of it.
	Check string `json:"check"`
}

// keyCheck is the check value of key.
func keyCheck(key []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("cairn sealing key check"))
	return hex.EncodeToString(mac.Sum(nil))
}

// checkSealKey compares cfg.SecretKey with the record in cfg.Dir: a different key
// fails with ErrSealKey naming both sources. A missing record is written when the
// node has no Raft state yet (fresh); a node from before records were kept is left
// as it is (a wrong key then shows at the first secret read, see errUnseal).
func checkSealKey(cfg Config, fresh bool) error {
	path := filepath.Join(cfg.Dir, sealKeyFile)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if !fresh {
			return nil
		}
		out, err := json.Marshal(sealKeyRecord{Source: cfg.SecretKeySource, Check: keyCheck(cfg.SecretKey)})
		if err != nil {
			return err
		}
		return writeFileSync(path, out)
	case err != nil:
		return fmt.Errorf("meta: read %s: %w", path, err)
	}
	var rec sealKeyRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return fmt.Errorf("meta: %s is damaged: %w", path, err)
	}
	if hmac.Equal([]byte(rec.Check), []byte(keyCheck(cfg.SecretKey))) {
		return nil
	}
	if rec.Source == cfg.SecretKeySource {
		return fmt.Errorf("%w: the data in %s was sealed with %s, and this node now starts with another value of it: start it with the value it was first started with (CAIRN_CLUSTER_SECRET must be the same on every node and across restarts)",
			ErrSealKey, cfg.Dir, rec.Source)
	}
	return fmt.Errorf("%w: the data in %s was sealed with %s, but this node now starts with %s: start it as it was first started (CAIRN_CLUSTER_SECRET set to the same value, or unset, as then)",
		ErrSealKey, cfg.Dir, rec.Source, cfg.SecretKeySource)
}

// LoadOrCreateKey returns the 32-byte key in the file at path, creating it (random,
// mode 0600, fsynced) if there is none: a single node's SecretKey. The key stays on
// the node's own disk, so a copy of the Raft log or a snapshot alone reveals no
// secret.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != secretKeySize {
			return nil, fmt.Errorf("meta: %s is damaged: want %d bytes, found %d", path, secretKeySize, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("meta: read key: %w", err)
	}
	key = make([]byte, secretKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, writeFileSync(path, key)
}

// writeFileSync writes data to path through a temporary file (mode 0600): fsynced,
// renamed into place, the directory fsynced.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("meta: create %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
