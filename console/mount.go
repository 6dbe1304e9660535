package console

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Mount is a named, branded view of one bucket, or of one folder in it: a team's
// own corner of the store at /m/NAME/. A mount grants nothing: its visitors sign in
// and act as themselves, as everywhere in the console.
type Mount struct {
	// Name is the mount's path segment: /m/NAME/.
	Name string
	// Bucket and Base are what it shows: Base is "" or a folder ("team-a/").
	Bucket, Base string
	// Title replaces the console's title in the mount's pages. Default: Name.
	Title string
	// Logo is a data: URI of the logo image, inlined from a file at startup (so the
	// CSP needs no other origin). Empty: none.
	Logo string
	// LogoOrigin is set when the logo is given by URL (logo_url=): the URL's origin,
	// "https://host[:port]", which the mount's pages add to their CSP's img-src (and
	// only that origin). Empty when the logo is inlined or there is none.
	LogoOrigin string
	// Link is where the logo and title lead. Default: the mount's top.
	Link string
	// Extensions, when set, are the only file extensions (lower case, no dot) the
	// mount's upload controls accept. A convenience for the people using the mount,
	// not a security boundary: a user's policies decide what they may write.
	Extensions []string
}

var mountName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// maxLogoBytes bounds a logo file: it is inlined in every page of the mount.
const maxLogoBytes = 256 << 10

// ParseMount parses a --console-mount value,
// "NAME=BUCKET[/BASE][;title=TITLE][;logo=FILE|logo_url=URL][;link=URL][;ext=jpg|png]",
// reading the logo file. NAME is lower-case letters, digits and hyphens. A logo_url must
// be https: its origin goes into the CSP of the mount's pages.
func ParseMount(v string) (Mount, error) {
	parts := strings.Split(v, ";")
	name, where, ok := strings.Cut(parts[0], "=")
	name = strings.TrimSpace(name)
	if !ok || !mountName.MatchString(name) {
		return Mount{}, fmt.Errorf("console mount %q: want NAME=BUCKET[/FOLDER] first, NAME of a-z, 0-9 and -", v)
	}
	m := Mount{Name: name, Title: name}
	m.Bucket, m.Base, _ = strings.Cut(strings.Trim(strings.TrimSpace(where), "/"), "/")
	if m.Bucket == "" {
		return Mount{}, fmt.Errorf("console mount %q: no bucket", v)
	}
	if m.Base != "" {
		m.Base += "/"
	}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		switch {
		case !ok:
			return Mount{}, fmt.Errorf("console mount %q: %q is not key=value", v, p)
		case k == "title":
			m.Title = val
		case k == "link":
			u, err := url.Parse(val)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
				return Mount{}, fmt.Errorf("console mount %q: link must be an http(s) URL", v)
			}
			m.Link = val
		case k == "logo_url":
			if m.Logo != "" {
				return Mount{}, fmt.Errorf("console mount %q: give logo or logo_url, not both", v)
			}
			origin, err := logoOrigin(val)
			if err != nil {
				return Mount{}, fmt.Errorf("console mount %q: %w", v, err)
			}
			m.Logo, m.LogoOrigin = val, origin
		case k == "logo":
			if m.Logo != "" {
				return Mount{}, fmt.Errorf("console mount %q: give logo or logo_url, not both", v)
			}
			data, err := os.ReadFile(val)
			if err != nil {
				return Mount{}, fmt.Errorf("console mount %q: logo: %w", v, err)
			}
			if len(data) > maxLogoBytes {
				return Mount{}, fmt.Errorf("console mount %q: the logo is over %d KiB", v, maxLogoBytes>>10)
			}
			ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(val)))
			if ct == "" {
				ct = http.DetectContentType(data)
			}
			if !strings.HasPrefix(ct, "image/") {
				return Mount{}, fmt.Errorf("console mount %q: the logo is not an image (%s)", v, ct)
			}
			m.Logo = "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data)
		case k == "ext":
			for _, e := range strings.Split(val, "|") {
				if e = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(e), ".")); e != "" {
					m.Extensions = append(m.Extensions, e)
				}
			}
		default:
			return Mount{}, fmt.Errorf("console mount %q: unknown setting %q (title, logo, logo_url, link, ext)", v, k)
		}
	}
	if m.Link == "" {
		m.Link = "/m/" + m.Name + "/"
	}
	return m, nil
}

// LogoURL is Logo for a page's img src: a data: URI the console made itself, or the
// https URL that logoOrigin checked.
func (m *Mount) LogoURL() template.URL { return template.URL(m.Logo) }

// logoHost is a host name or IPv4 address with an optional port: nothing that could
// end a CSP source expression or add another (no space, ";", ",", "*", quote or path).
var logoHost = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$`)

// logoOrigin checks a logo_url, an absolute https URL with no user info, and returns
// its origin, "https://host[:port]", for a CSP source list.
func logoOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("logo_url: %w", err)
	case u.Scheme != "https":
		return "", errors.New("logo_url must be an https URL (the page would otherwise load it in clear, and the CSP would allow a clear-text origin)")
	case u.User != nil || u.Opaque != "":
		return "", errors.New("logo_url must be https://host/path, with no user name or password")
	case !logoHost.MatchString(u.Host):
		return "", fmt.Errorf("logo_url: %q is not a host name (with an optional port)", u.Host)
	case strings.ContainsAny(raw, " \t\n\r;,'\""):
		return "", errors.New("logo_url contains a space, quote, ';' or ','; percent-encode them")
	}
	return "https://" + strings.ToLower(u.Host), nil
}

// cspWithImages is the console's CSP with extra img-src origins.
func cspWithImages(origins ...string) string {
	extra := ""
	for _, o := range origins {
		if o != "" {
			extra += " " + o
		}
	}
	return strings.Replace(contentSecurityPolicy, "img-src 'self' blob: data:;", "img-src 'self' blob: data:"+extra+";", 1)
}

// mountPage shows a folder of a mount: the folder page, with the mount's branding,
// breadcrumbs from the mount's top and links that stay inside the mount.
func (c *Console) mountPage(w http.ResponseWriter, r *http.Request) {
	m, ok := c.mounts[r.PathValue("mount")]
	if !ok {
		c.fail(w, r, http.StatusNotFound, "NoSuchMount", "The console has no such mount.")
		return
	}
	if m.LogoOrigin != "" {
		// The one place another origin is allowed: images of this mount's logo host.
		w.Header().Set("Content-Security-Policy", cspWithImages(m.LogoOrigin))
	}
	c.renderFolder(w, r, m.Bucket, m.Base+r.PathValue("path"), &m)
}
