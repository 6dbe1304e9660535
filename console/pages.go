package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/cairnstore/cairn/s3api/admin/client"
)

// parsePages parses each page template with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"bytes":    humanBytes,
		"time":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
		"basename": func(p string) string { return path.Base(strings.TrimSuffix(p, "/")) },
		"pathesc":  escapeKey,
		"list":     func(s ...string) []string { return s },
		"u64":      func(n uint64) int64 { return int64(min(n, 1<<62)) },
		"pct": func(used, total uint64) string {
			if total == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f%% of %s", 100*float64(used)/float64(total), humanBytes(int64(total)))
		},
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		pages[base] = t
	}
	if err := addCORSPage(pages, funcs); err != nil {
		return nil, err
	}
	return pages, nil
}

// pageData is what every page's layout reads.
type pageData struct {
	Title   string
	User    string
	Root    bool
	CSRF    string
	Nav     string
	Content any
	// Refresh is where the page sends the browser at once (after single sign-on).
	Refresh string
	// Brand is the mount whose title, logo and link the header shows; nil: the
	// console's own.
	Brand *Mount
}

// branded is a page that may wear a mount's branding.
type branded interface{ brand() *Mount }

// render writes page name with content; the layout gets the session, if any.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, content any) {
	t := c.pages[name]
	if t == nil {
		panic("console: no page " + name)
	}
	d := pageData{Title: c.cfg.Title, Nav: name, Content: content}
	if b, ok := content.(branded); ok && b.brand() != nil {
		d.Brand = b.brand()
		d.Title = d.Brand.Title
	}
	if v, ok := content.(signedInView); ok {
		d.Refresh = v.Next
	}
	if s := sessionOf(r); s != nil {
		d.User, d.Root, d.CSRF = s.user, s.root, s.csrf
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout", d); err != nil {
		c.log.Error("render page", "page", name, "error", err)
	}
}

// errorView is the error page's content.
type errorView struct {
	Status        int
	Code, Message string
}

// fail answers an error: JSON {"code","message"} to the script, an error page to a
// person.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if isAPI(r) || r.Method != http.MethodGet {
		if isAPI(r) || r.Header.Get("X-CSRF-Token") != "" || strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeJSON(w, status, map[string]string{"code": code, "message": msg})
			return
		}
	}
	c.render(w, r, status, "error", errorView{Status: status, Code: code, Message: msg})
}

// failErr answers the error of an S3 or admin API call with its code, message and
// status, so the user reads what the API said (e.g. which action was denied).
func (c *Console) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := apiError(err)
	if status >= 500 {
		c.log.Error("console request failed", "path", r.URL.Path, "error", err)
	}
	c.fail(w, r, status, code, msg)
}

// apiError returns the status, code and message of an S3 or admin API error.
func apiError(err error) (int, string, string) {
	var ae *client.Error
	if errors.As(err, &ae) {
		return ae.Status, string(ae.Code), ae.Message
	}
	status := http.StatusInternalServerError
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var se smithy.APIError
	if errors.As(err, &se) {
		msg := se.ErrorMessage()
		if msg == "" {
			msg = http.StatusText(status)
		}
		return status, se.ErrorCode(), msg
	}
	var ie *inputError
	if errors.As(err, &ie) {
		return http.StatusBadRequest, "InvalidRequest", ie.msg
	}
	return status, "InternalError", "The console could not complete the request."
}

// inputError is a bad request the console itself refuses.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(format string, args ...any) error { return &inputError{fmt.Sprintf(format, args...)} }

// writeJSON writes v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes a small JSON body into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badInput("The request body is not the JSON expected: %v", err)
	}
	return nil
}

// humanBytes formats a size in bytes with binary units.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// escapeKey escapes a key for a console path, segment by segment, keeping "/".
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = client.Escape(p)
	}
	return strings.Join(parts, "/")
}
