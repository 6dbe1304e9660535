package gate

import "github.com/cairnstore/cairn/s3api/audit"

// Record completes a request's audit record with what the gate knows (the API, the
// client's address, the key and user, and a deny when the gate refused it) and
// writes it. The surface fills in the rest: request id, action, bucket and key,
// status, error code and a Result of ResultError for a failure. Nothing when the
// gate has no audit log.
func (g *Gate) Record(req *Request, rec audit.Record) {
	if g.cfg.AuditLog == nil {
		return
	}
	rec.API = g.cfg.API
	if req != nil {
		rec.ClientIP, rec.AccessKey = req.ClientIP, req.ClaimedKey
		if c := &req.Caller; !c.Anonymous() {
			rec.User, rec.AccessKey = c.Principal.User, c.AccessKey
		}
		if req.Denied {
			rec.Result = audit.ResultDeny
		}
	}
	if rec.Result == "" {
		rec.Result = audit.ResultAllow
	}
	g.cfg.AuditLog.Log(rec)
}

// AuditLog reports whether the gate writes an audit log.
func (g *Gate) AuditLog() bool { return g.cfg.AuditLog != nil }
