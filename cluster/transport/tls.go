package transport

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"time"
)

// Node-to-node traffic is encrypted with mutual TLS 1.3, with no certificate for the
// operator to manage. Every node derives the same certificate authority from a key
// of the cluster (Keys.RPC for the data API, Keys.Raft for Raft): an Ed25519 key
// whose seed is HKDF of that key, and a self-signed CA certificate for it. Each
// process makes a fresh Ed25519 leaf key at start and has the CA sign it. Both sides
// of every connection present their leaf and accept only a peer whose leaf that CA
// signed, so only holders of the cluster secret can complete a handshake, and what
// follows is encrypted and authenticated by TLS. (Go's TLS has no pre-shared-key
// mode; a CA derived from the shared secret gives the same trust with standard
// TLS.) The HMAC signatures of data-API requests and the Raft handshake stay as a
// second check.

// peerName is the name every node's leaf certificate carries and every client
// verifies: nodes are reached by address, and the CA alone says who is a node.
const peerName = "cairn-node"

// ClusterTLS holds the TLS configurations of one use of node-to-node traffic.
type ClusterTLS struct {
	server *tls.Config
	client *tls.Config
}

// NewClusterTLS derives the cluster CA for purpose from key (at least 16 bytes),
// makes this process's leaf certificate, and returns the server and client sides.
func NewClusterTLS(key []byte, purpose string) (*ClusterTLS, error) {
	if len(key) < 16 {
		return nil, fmt.Errorf("transport: TLS needs a key of at least 16 bytes")
	}
	seed, err := hkdf.Key(sha256.New, key, []byte("cairn-cluster-tls-v1"), "ca/"+purpose, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	caKey := ed25519.NewKeyFromSeed(seed)
	// A fixed validity, so that every node makes the same CA certificate and no
	// clock decides whether nodes trust each other.
	notBefore, notAfter := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "cairn cluster CA (" + purpose + ")"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("transport: cluster CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leafPub, leafKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: peerName},
		DNSNames:     []string{peerName},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, leafPub, caKey)
	if err != nil {
		return nil, fmt.Errorf("transport: node certificate: %w", err)
	}
	cert := tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &ClusterTLS{
		server: &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pool,
		},
		client: &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{cert},
			RootCAs:      pool,
			ServerName:   peerName,
		},
	}, nil
}

// Server returns the configuration of the accepting side.
func (t *ClusterTLS) Server() *tls.Config { return t.server.Clone() }

// Client returns the configuration of the dialing side.
func (t *ClusterTLS) Client() *tls.Config { return t.client.Clone() }

// Listener wraps ln so that every accepted connection speaks the cluster's TLS.
func (t *ClusterTLS) Listener(ln net.Listener) net.Listener { return tls.NewListener(ln, t.Server()) }

// NewTLSListener wraps the data API's listener in the TLS of key (Keys.RPC), the
// server side of NewTLSClient.
func NewTLSListener(ln net.Listener, key []byte) (net.Listener, error) {
	t, err := NewClusterTLS(key, "rpc")
	if err != nil {
		return nil, err
	}
	return t.Listener(ln), nil
}

// NewTLSClient returns a client that signs as node with key (Keys.RPC) and speaks
// the cluster's TLS (https) to listeners made by NewTLSListener with the same key.
func NewTLSClient(key []byte, node string) (*Client, error) {
	t, err := NewClusterTLS(key, "rpc")
	if err != nil {
		return nil, err
	}
	c := NewClient(key, node, &http.Client{Transport: &http.Transport{
		TLSClientConfig:     t.Client(),
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: DefaultHandshakeTimeout,
	}})
	c.scheme = "https"
	return c, nil
}
