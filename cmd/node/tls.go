package node

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// TLS is the certificate that the S3 and admin listeners serve HTTPS with. Its fields
// are part of Config. Both empty (the default): plain HTTP.
type TLS struct {
	// TLSCert is a PEM file with the certificate chain, leaf first. Flag --tls-cert.
	TLSCert string
	// TLSKey is a PEM file with the certificate's private key. Flag --tls-key.
	TLSKey string
}

// enabled reports whether HTTPS is configured; it is an error to give one file alone.
func (t TLS) enabled() (bool, error) {
	if (t.TLSCert == "") != (t.TLSKey == "") {
		return false, errors.New("node: set both --tls-cert and --tls-key, or neither")
	}
	return t.TLSCert != "", nil
}

// certCheckEvery is how often, at most, the certificate files are checked for a change.
const certCheckEvery = time.Second

// certReloader serves a certificate loaded from files and reloads it when either
// file's modification time or size changes, checked at most once per certCheckEvery
// on a handshake. A renewal (e.g. by certbot or cert-manager) thus takes effect
// without a restart; a broken new pair is logged and the last good one kept.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // modification times and sizes of the files the cert came from
	checked time.Time
}

// newCertReloader loads the pair once; an error here fails the start.
func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := r.load(); err != nil {
		return nil, err
	}
	return r, nil
}

// fileStamp identifies the current contents of the two files.
func (r *certReloader) fileStamp() (string, error) {
	var s string
	for _, name := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(name)
		if err != nil {
			return "", err
		}
		s += fmt.Sprintf("%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return s, nil
}

// load reads the pair; the caller holds mu or has not shared r yet.
func (r *certReloader) load() error {
	stamp, err := r.fileStamp()
	if err != nil {
		return fmt.Errorf("node: TLS certificate: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("node: TLS certificate: %w", err)
	}
	r.cert, r.stamp, r.checked = &cert, stamp, time.Now()
	return nil
}

// GetCertificate is tls.Config.GetCertificate: the current certificate, reloaded first
// if its files changed.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) < certCheckEvery {
		return r.cert, nil
	}
	r.checked = time.Now()
	if stamp, err := r.fileStamp(); err == nil && stamp != r.stamp {
		if err := r.load(); err != nil {
			r.log.Warn("TLS certificate changed but does not load; serving the previous one", "error", err)
			r.stamp = stamp // do not retry until the files change again
		} else {
			r.log.Info("TLS certificate reloaded", "cert", r.certFile)
		}
	}
	return r.cert, nil
}

// tlsConfig returns the server TLS configuration, or nil without TLS.
func (n *Node) tlsConfig() (*tls.Config, error) {
	on, err := n.cfg.TLS.enabled()
	if err != nil || !on {
		return nil, err
	}
	r, err := newCertReloader(n.cfg.TLSCert, n.cfg.TLSKey, n.log.With("component", "tls"))
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate, NextProtos: []string{"http/1.1"}}, nil
}

// tlsWrap returns a function that wraps a server connection in TLS, or nil.
func tlsWrap(cfg *tls.Config) func(net.Conn) net.Conn {
	if cfg == nil {
		return nil
	}
	return func(c net.Conn) net.Conn { return tls.Server(c, cfg) }
}
