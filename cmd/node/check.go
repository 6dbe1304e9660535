package node

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/cairnstore/cairn/blob"
)

// Check validates cfg without starting anything and returns every problem found: bad
// values, listen addresses that do not parse, a data directory or audit log that
// cannot be written, TLS files that do not load. `cairn server --check-config` runs it.
func Check(cfg Config) []error {
	var problems []error
	add := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	if err := cfg.Limits.Validate(); err != nil {
		problems = append(problems, unjoin(err)...)
		cfg.Limits = DefaultLimits() // checked; keep withDefaults from stopping at it
	}
	c, err := cfg.withDefaults()
	add(err)
	if err != nil {
		c = cfg
	}
	for flag, addr := range map[string]string{"--s3-addr": c.S3Addr, "--admin-addr": c.AdminAddr, "--raft-addr": c.RaftAddr} {
		if addr == "" {
			continue
		}
		if _, err := net.ResolveTCPAddr("tcp", addr); err != nil {
			add(fmt.Errorf("%s %q: %w", flag, addr, err))
		}
	}
	if c.Clustered() {
		for flag, addr := range map[string]string{"--gossip-addr": c.GossipAddr, "--rpc-addr": c.RPCAddr} {
			if _, err := net.ResolveTCPAddr("tcp", addr); err != nil {
				add(fmt.Errorf("%s %q: %w", flag, addr, err))
			}
		}
	}
	if c.DataDir != "" {
		add(checkWritableDir("--data", c.DataDir))
	}
	if c.AuditLog != "" && c.AuditLog != "-" {
		add(checkWritableDir("--audit-log", filepath.Dir(c.AuditLog)))
	}
	if on, err := c.TLS.enabled(); err != nil {
		add(err)
	} else if on {
		_, err := newCertReloader(c.TLSCert, c.TLSKey, nil)
		add(err)
	}
	if err := c.AuthLockout.Validate(); err != nil {
		problems = append(problems, unjoin(err)...)
	}
	bcfg := blob.DefaultConfig()
	bcfg.NodeID, bcfg.Dir = c.NodeID, filepath.Join(c.DataDir, "blob")
	c.Tuning.apply(&bcfg)
	if err := bcfg.Validate(); err != nil {
		problems = append(problems, unjoin(err)...)
	}
	if c.MaxObjectSize < 0 {
		add(fmt.Errorf("--max-object-size %d must not be negative", c.MaxObjectSize))
	}
	if c.TrustedProxies < 0 {
		add(errors.New("--trusted-proxies must not be negative"))
	}
	return problems
}

// unjoin splits an errors.Join error (possibly wrapped once) into its parts.
func unjoin(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			return j.Unwrap()
		}
	}
	return []error{err}
}

// checkWritableDir reports whether dir, or the nearest existing parent that it would
// be created in, is a directory this process can create files in.
func checkWritableDir(flag, dir string) error {
	d := dir
	for {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s %s: %s is not a directory", flag, dir, d)
			}
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s %s: %w", flag, dir, err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return fmt.Errorf("%s %s: no existing parent directory", flag, dir)
		}
		d = parent
	}
	f, err := os.CreateTemp(d, ".cairn-check-*")
	if err != nil {
		return fmt.Errorf("%s %s: cannot create files in %s: %w", flag, dir, d, err)
	}
	name := f.Name()
	f.Close()
	_ = os.Remove(name)
	return nil
}
