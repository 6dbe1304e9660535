package console

import (
	"errors"
	"net/http"

	"github.com/cairnstore/cairn/s3api/audit"
)

// The console's own audit actions: what it does on its own authority when it signs
// in a user whose secret it never saw (sessionkeys.go). Everything else it does is
// recorded by the S3 and admin APIs it acts through.
const (
	actSingleSignOn     = "ConsoleSingleSignOn"        // User: the name the claim gave; AccessKey: the session key made
	actHeaderSignIn     = "ConsoleTrustedHeaderSignIn" // User: the name the header gave; AccessKey: the session key made
	actDeleteSessionKey = "ConsoleDeleteSessionKey"    // AccessKey: the session key deleted
	actAddToGroup       = "ConsoleAddUserToGroup"      // by the group map; Key: the group
	actRemoveFromGroup  = "ConsoleRemoveUserFromGroup" // by the group map; Key: the group
)

// signInAction is the audit action of a sign-in by via.
func signInAction(via string) string {
	if via == "header" {
		return actHeaderSignIn
	}
	return actSingleSignOn
}

// record writes one of the console's own audit records ("api":"console") for the
// browser's request r (nil when there is none, e.g. a session that expired); err is
// the refusal or failure, if any.
func (c *Console) record(r *http.Request, action, user, key, group string, err error) {
	l := c.deps.AuditLog
	if l == nil {
		return
	}
	rec := audit.Record{Time: c.now().UTC(), API: "console", Action: action, User: user, AccessKey: key, Key: group, Result: audit.ResultAllow, Status: http.StatusOK}
	if r != nil {
		rec.ClientIP, rec.UserAgent = audit.ClientIP(r, c.cfg.TrustedProxies), r.UserAgent()
	}
	if err != nil {
		status, code, _ := signInRefusal(err)
		rec.Result, rec.Status, rec.ErrorCode = audit.ResultDeny, status, code
		if status >= 500 {
			rec.Result = audit.ResultError
		}
	}
	l.Log(rec)
}

// signInRefusal is the status, code and message of a failed sign-in by single
// sign-on or the trusted header.
func signInRefusal(err error) (int, string, string) {
	if errors.Is(err, errUnknownUser) {
		return http.StatusForbidden, "UnknownUser", "There is no Cairn user for you here; ask an administrator."
	}
	return apiError(err)
}
