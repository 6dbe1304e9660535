// Package transport authenticates and encrypts node-to-node traffic with keys derived
// from the cluster secret: HMAC-signed HTTP requests for the data API, the Raft
// handshake, mutual TLS for both with a certificate authority derived from the secret
// (tls.go), and the key for gossip encryption.
package transport

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
)

// MinSecretLength is the shortest cluster secret accepted.
const MinSecretLength = 16

// ErrWeakSecret is returned for a cluster secret shorter than MinSecretLength.
var ErrWeakSecret = errors.New("transport: CAIRN_CLUSTER_SECRET must be at least 16 characters")

// Keys are the independent keys derived from one cluster secret, one per use, so that
// no key serves two protocols.
type Keys struct {
	Gossip  []byte // 32 bytes: memberlist's AES-256 key
	RPC     []byte // 32 bytes: HMAC key of node-to-node HTTP requests
	Raft    []byte // 32 bytes: HMAC key of the Raft connection handshake
	Secrets []byte // 32 bytes: encrypts access-key secrets at rest in Raft
}

// DeriveKeys derives the cluster's keys from its shared secret with HKDF-SHA256.
func DeriveKeys(secret string) (Keys, error) {
	if len(secret) < MinSecretLength {
		return Keys{}, ErrWeakSecret
	}
	derive := func(purpose string) []byte {
		k, err := hkdf.Key(sha256.New, []byte(secret), []byte("cairn-cluster-v1"), purpose, 32)
		if err != nil {
			panic(err) // only for lengths HKDF cannot produce; 32 bytes always works
		}
		return k
	}
	return Keys{
		Gossip:  derive("gossip"),
		RPC:     derive("rpc"),
		Raft:    derive("raft"),
		Secrets: derive("secrets-at-rest"),
	}, nil
}
