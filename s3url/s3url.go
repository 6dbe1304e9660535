// Package s3url parses S3 endpoint URLs that may carry credentials as their user
// info ("https://KEY:SECRET@host"), the form the credentials reference calls
// URL-embedded. It is shared by bench, the CLI and site sync.
package s3url

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Split validates an endpoint URL and splits off credentials
// given as its user info: "http://KEY:SECRET@host:9000" yields "http://host:9000",
// "KEY" and "SECRET". The URL must be http or https with a host and no path,
// query or fragment.
func Split(raw string) (endpoint, accessKey, secretKey string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", "", "", fmt.Errorf("bad URL %q: %v", Redact(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", "", fmt.Errorf("bad URL %q: scheme must be http or https", Redact(raw))
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", "", "", fmt.Errorf("bad URL %q: no host", Redact(raw))
	}
	if p := u.Port(); p != "" {
		if n, perr := strconv.Atoi(p); perr != nil || n < 1 || n > 65535 {
			return "", "", "", fmt.Errorf("bad URL %q: bad port %q", Redact(raw), p)
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", "", "", fmt.Errorf("bad URL %q: must not have a path, query or fragment", Redact(raw))
	}
	if u.User != nil {
		accessKey = u.User.Username()
		secretKey, _ = u.User.Password()
		if accessKey == "" || secretKey == "" {
			return "", "", "", fmt.Errorf("bad URL %q: user info must be ACCESS_KEY:SECRET_KEY", Redact(raw))
		}
	}
	return u.Scheme + "://" + u.Host, accessKey, secretKey, nil
}

// Redact hides the secret of a URL's user info, for messages and reports.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + "REDACTED@" + raw[i+1:]
			}
		}
		return raw
	}
	if _, hasSecret := u.User.Password(); hasSecret {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	return u.String()
}
