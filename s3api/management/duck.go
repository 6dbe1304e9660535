package management

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"

	"github.com/labstack/echo/v4"
)

// duck answers a Cyberduck bookmark (.duck file, an XML property list) that opens
// the bucket on this cluster's S3 endpoint. It holds no credentials: Cyberduck asks
// for the access key and secret when the bookmark is opened.
func (s *Server) duck(c echo.Context) error {
	b, err := s.bucket(c)
	if err != nil {
		return err
	}
	if s.cfg.S3URL == "" {
		return errorf(NotImplemented, "This node has no S3 endpoint URL configured for bookmarks.")
	}
	endpoint, err := s.bookmarkEndpoint(c.Request())
	if err != nil {
		return err
	}
	doc, err := bookmark(b.Name, endpoint)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", b.Name+".duck"))
	return c.Blob(http.StatusOK, "application/octet-stream", doc)
}

// bookmarkEndpoint is the S3 endpoint to write into a bookmark: S3URL, except that
// a loopback or unspecified host (a node listening on ":9000") is replaced by the
// host the caller used to reach this API, which is how it can reach the node.
func (s *Server) bookmarkEndpoint(r *http.Request) (*url.URL, error) {
	u, err := url.Parse(s.cfg.S3URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("management: S3 URL %q is not a URL: %v", s.cfg.S3URL, err)
	}
	out := *u
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && (a.IsLoopback() || a.IsUnspecified()) {
		if host, _, err := net.SplitHostPort(r.Host); err == nil {
			out.Host = net.JoinHostPort(host, u.Port())
		} else if r.Host != "" {
			out.Host = net.JoinHostPort(r.Host, u.Port())
		}
	}
	return &out, nil
}

// bookmark writes the property list of a bookmark for bucket at endpoint. Over plain
// HTTP it names Cyberduck's bundled "S3 (HTTP)" connection profile (vendor s3-http),
// which must be enabled in Preferences → Profiles; over HTTPS, the default S3
// profile.
func bookmark(bucket string, endpoint *url.URL) ([]byte, error) {
	provider, port := "iterate GmbH", "443"
	if endpoint.Scheme == "http" {
		provider, port = "s3-http", "80"
	}
	if p := endpoint.Port(); p != "" {
		port = p
	}
	entries := [][2]string{
		{"Protocol", "s3"},
		{"Provider", provider},
		{"Nickname", bucket + " on " + endpoint.Hostname()},
		{"Hostname", endpoint.Hostname()},
		{"Port", port},
		{"Path", "/" + bucket},
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	buf.WriteString("<plist version=\"1.0\">\n<dict>\n")
	for _, e := range entries {
		buf.WriteString("\t<key>")
		if err := xml.EscapeText(&buf, []byte(e[0])); err != nil {
			return nil, err
		}
		buf.WriteString("</key>\n\t<string>")
		if err := xml.EscapeText(&buf, []byte(e[1])); err != nil {
			return nil, err
		}
		buf.WriteString("</string>\n")
	}
	buf.WriteString("\t<key>Anonymous Login</key>\n\t<false/>\n</dict>\n</plist>\n")
	return buf.Bytes(), nil
}
