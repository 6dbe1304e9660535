package replication_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/replication"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key into dir and
// returns their paths and the certificate's PEM.
func selfSigned(t *testing.T, dir string) (certFile, keyFile, certPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "peer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, []byte(certPEM), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	return certFile, keyFile, certPEM
}

func TestConnectionTLSSettings(t *testing.T) {
	certFile, keyFile, certPEM := selfSigned(t, t.TempDir())
	peer := nodetest.Start(t, func(c *node.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	ak, sk := peer.RootCredentials()
	ctx := t.Context()
	try := func(tlsSettings meta.ConnectionTLS) error {
		c := meta.Connection{Name: "peer", Endpoint: peer.S3URL(), Region: "us-east-1", TLS: tlsSettings,
			Credentials: meta.ConnectionCredentials{Source: meta.CredentialsStatic, AccessKeyID: ak}}
		cl, err := replication.NewClient(ctx, c, meta.ConnectionSecret{SecretAccessKey: sk})
		require.NoError(t, err)
		_, err = cl.ListBuckets(ctx, &s3.ListBucketsInput{})
		return err
	}
	require.Contains(t, peer.S3URL(), "https://")
	require.ErrorContains(t, try(meta.ConnectionTLS{}), "certificate", "a certificate no known CA signed is refused")
	require.NoError(t, try(meta.ConnectionTLS{CACertPEM: certPEM}), "the connection's CA")
	require.ErrorContains(t, try(meta.ConnectionTLS{CACertPEM: certPEM, ServerName: "elsewhere.example"}), "certificate", "the server name is checked")
	require.NoError(t, try(meta.ConnectionTLS{InsecureSkipVerify: true}))
	_, err := replication.NewClient(ctx, meta.Connection{Name: "x", Endpoint: peer.S3URL(), TLS: meta.ConnectionTLS{CACertPEM: "not pem"},
		Credentials: meta.ConnectionCredentials{Source: meta.CredentialsEnv}}, meta.ConnectionSecret{})
	require.ErrorContains(t, err, "PEM")
}
