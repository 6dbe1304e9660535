package node_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
)

// writeCert writes a fresh self-signed certificate for 127.0.0.1 with serial, and
// its key, to certFile and keyFile, replacing them by rename as a renewal tool does.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "cairn test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	for path, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: kder}} {
		tmp := path + ".new"
		require.NoError(t, os.WriteFile(tmp, pem.EncodeToMemory(block), 0o600))
		require.NoError(t, os.Rename(tmp, path))
	}
}

// servedSerial makes a request to url and returns the serial of the certificate served.
func servedSerial(t *testing.T, url string) int64 {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // the test reads the certificate itself
		DisableKeepAlives: true,
	}}
	resp, err := c.Get(url + "/health/live")
	require.NoError(t, err)
	resp.Body.Close()
	return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
}

// TestTLSServesAndReloads: with --tls-cert and --tls-key the S3 and admin listeners
// speak HTTPS only, and a renewed certificate is served without a restart.
func TestTLSServesAndReloads(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, certFile, keyFile, 1)
	n := start(t, node.Config{DataDir: t.TempDir(), TLS: node.TLS{TLSCert: certFile, TLSKey: keyFile}})
	defer n.Close()
	require.Regexp(t, `^https://`, n.S3URL())
	require.Regexp(t, `^https://`, n.AdminURL())
	require.Equal(t, int64(1), servedSerial(t, n.AdminURL()))

	// Plain HTTP to the HTTPS port is not served.
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + n.AdminURL()[len("https://"):] + "/health/live")
	if err == nil {
		resp.Body.Close()
		require.NotEqual(t, http.StatusOK, resp.StatusCode)
	}

	writeCert(t, certFile, keyFile, 2)
	deadline := time.Now().Add(30 * time.Second)
	for servedSerial(t, n.AdminURL()) != 2 {
		require.True(t, time.Now().Before(deadline), "the renewed certificate was not served within 30s")
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, int64(2), servedSerial(t, n.S3URL()))
}

// TestDataDirectoryLock: a second node on a data directory in use fails at once and
// names the directory and the first process; once the first closes, it starts.
func TestDataDirectoryLock(t *testing.T) {
	dir := t.TempDir()
	n := start(t, node.Config{DataDir: dir})
	_, err := node.Start(t.Context(), node.Config{DataDir: dir, NodeID: "n1", S3Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", Logger: quietLogger()})
	require.Error(t, err)
	require.Contains(t, err.Error(), "data directory "+dir+" is in use by another cairn process (pid ")
	require.NoError(t, n.Close())
	n2 := start(t, node.Config{DataDir: dir})
	require.NoError(t, n2.Close())
}
