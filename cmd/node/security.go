package node

import (
	"errors"

	"github.com/cairnstore/cairn/s3api"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/lockout"
)

// Security configures the audit log and how clients are identified and slowed down.
// Its fields are part of Config.
type Security struct {
	// AuditLog is where the audit log goes: a file path (appended to, created with
	// mode 0600), "-" for standard output, or "" for no audit log (the default).
	// Flag --audit-log. docs/iam.md describes the records.
	AuditLog string
	// TrustedProxies is how many reverse proxies in front of the node append to
	// X-Forwarded-For. Default 0: the TCP peer is the client and X-Forwarded-For is
	// ignored. Flag --trusted-proxies. See s3api.Config.TrustedProxies.
	TrustedProxies int
	// AuthLockout limits failed authentications on the S3 and admin APIs together;
	// the zero value means the defaults (10 failures for one access key from one
	// address, or 100 from one address, within 1 minute lock it out for 1 minute;
	// never a key alone). See lockout.Config.
	AuthLockout lockout.Config
}

// configureSecurity opens the audit log and sets the S3 API's security settings.
func (n *Node) configureSecurity(scfg *s3api.Config) error {
	if n.cfg.TrustedProxies < 0 {
		return errors.New("node: --trusted-proxies must not be negative")
	}
	scfg.TrustedProxies = n.cfg.TrustedProxies
	if err := n.cfg.AuthLockout.Validate(); err != nil {
		return err
	}
	n.lockout = lockout.New(n.cfg.AuthLockout, nil)
	scfg.Lockout, scfg.Limiter = n.cfg.AuthLockout, n.lockout
	if n.cfg.AuditLog != "" {
		l, err := audit.Open(n.cfg.AuditLog, n.cfg.NodeID, n.log.With("component", "audit"))
		if err != nil {
			return err
		}
		n.audit = l
		scfg.AuditLog = l
	}
	return nil
}

// closeAudit closes the audit log, if any; after the listeners have stopped.
func (n *Node) closeAudit() error {
	return n.audit.Close()
}
