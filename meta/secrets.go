package meta

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
)

// secretKeySize is the length of Config.SecretKey: AES-256.
const secretKeySize = 32

// sealFormat is the first byte of a sealed secret. A new cipher or key scheme gets a
// new value, so old sealed secrets in logs and snapshots stay readable.
const sealFormat byte = 1

// sealer encrypts access-key secrets with AES-256-GCM under Config.SecretKey before
// they are proposed, and decrypts them for the caller. Sealed form: the format byte,
// a random 96-bit nonce, the ciphertext and its tag. The access key id is the
// additional data, so a sealed secret cannot be moved to another key.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != secretKeySize {
		return nil, fmt.Errorf("%w: SecretKey must be %d bytes", ErrInvalid, secretKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("meta: secret key: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("meta: secret key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// The purposes a secret is sealed for; each binds it to a different kind of owner, so
// a sealed secret cannot be moved from an access key to a connection or back.
const (
	purposeAccessKey  = "cairn/meta/access-key\x00"
	purposeConnection = "cairn/meta/connection\x00"
)

// additionalData binds a sealed secret to its access key id.
func additionalData(id string) []byte {
	return append([]byte(purposeAccessKey), id...)
}

// seal encrypts the secret of access key id.
func (s *sealer) seal(id, secret string) []byte {
	return s.aead.Seal([]byte{sealFormat}, nil, []byte(secret), additionalData(id))
}

// sealFor encrypts secret for the owner named id of a purpose other than an access
// key (purposeConnection).
func (s *sealer) sealFor(purpose, id string, secret []byte) []byte {
	return s.aead.Seal([]byte{sealFormat}, nil, secret, append([]byte(purpose), id...))
}

// openFor decrypts what sealFor sealed.
func (s *sealer) openFor(purpose, id string, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] != sealFormat {
		return nil, errUnseal
	}
	plain, err := s.aead.Open(nil, nil, sealed[1:], append([]byte(purpose), id...))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}

// errUnseal is returned when a secret does not decrypt: the nodes' SecretKeys differ,
// or the data is damaged. Its message never includes the data.
var errUnseal = fmt.Errorf("%w: cannot decrypt an access key secret (CAIRN_CLUSTER_SECRET must be the same on every node and across restarts; a single node started without it seals with its own key, node.key in its data directory)", ErrSealKey)

// open decrypts the sealed secret of access key id.
func (s *sealer) open(id string, sealed []byte) (string, error) {
	if len(sealed) == 0 || sealed[0] != sealFormat {
		return "", errUnseal
	}
	plain, err := s.aead.Open(nil, nil, sealed[1:], additionalData(id))
	if err != nil {
		return "", errUnseal
	}
	return string(plain), nil
}
