// Package audit writes the audit log: one JSON object per line for every request that
// reads or changes data or configuration, from the S3 API and the admin API. It is a
// leaf package: the APIs fill in a Record and call Log.
//
// Every line is one whole record, written with a single write under a lock, so lines
// from concurrent requests never interleave. Every field a client can influence is
// escaped so that no value can end a line or start another record: JSON escapes C0
// controls and Go's encoder escapes U+2028 and U+2029; Log also escapes DEL, the C1
// controls (U+0080–U+009F, which include NEL and the 8-bit terminal escape CSI) and
// the Unicode bidirectional controls, which could make a line display as another.
// Parsing a line gives back the exact values. Secrets never reach a Record: it has no
// field for a header, a signature or a secret key. docs/iam.md describes the format.
package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// Results of a request.
const (
	// ResultAllow: the request was authorized and succeeded.
	ResultAllow = "allow"
	// ResultDeny: authentication, authorization or the failed-authentication lockout
	// refused the request.
	ResultDeny = "deny"
	// ResultError: the request failed for another reason (bad input, missing bucket,
	// internal error...).
	ResultError = "error"
)

// Record is one request. Fields a client controls (Bucket, Key, AccessKey, UserAgent,
// and Action when the request could not be resolved) are escaped by Log.
type Record struct {
	// Time is when the request ended, in UTC.
	Time time.Time `json:"time"`
	// RequestID is the request's id, as in the x-amz-request-id response header.
	RequestID string `json:"requestId"`
	// API is "s3", "admin", "console" or "management".
	API string `json:"api"`
	// Action is the operation, e.g. "GetObject", or "" if the request could not be
	// resolved into one.
	Action string `json:"action"`
	// Bucket and Key are what the request named; empty when not applicable.
	Bucket string `json:"bucket,omitempty"`
	Key    string `json:"key,omitempty"`
	// User is the authenticated user; "" for an anonymous or unauthenticated request.
	User string `json:"user,omitempty"`
	// AccessKey is the access key id the request was signed with (or claimed to be,
	// when authentication failed); never a secret.
	AccessKey string `json:"accessKey,omitempty"`
	// Result is ResultAllow, ResultDeny or ResultError.
	Result string `json:"result"`
	// Status is the HTTP status code sent.
	Status int `json:"status"`
	// ErrorCode is the S3 (or admin) error code, for a failed request.
	ErrorCode string `json:"errorCode,omitempty"`
	// ClientIP is the client's address: the connection's peer, or, behind trusted
	// proxies, the address they forwarded (see ClientIP).
	ClientIP string `json:"clientIp"`
	// UserAgent is the User-Agent header, truncated to MaxFieldLength.
	UserAgent string `json:"userAgent,omitempty"`
	// Node is the node that served the request; Log fills it in when empty.
	Node string `json:"node"`
}

// MaxFieldLength bounds each string field of a record, in bytes, so that one client
// cannot make a line arbitrarily long (an S3 key is at most 1024 bytes; a User-Agent
// has no limit of its own). A longer value is cut at a character boundary and ends
// with "...".
const MaxFieldLength = 2048

// Logger writes audit records. Its methods are safe for concurrent use; a nil *Logger
// logs nothing.
type Logger struct {
	node string
	log  *slog.Logger

	mu     sync.Mutex
	w      io.Writer
	closer io.Closer // nil for stdout and for New's writer
	failed bool      // a write failed; logged once until a write succeeds
	recent []Record  // the last RecentRecords records, a ring; next is the oldest
	next   int
}

// RecentRecords is how many of the latest records a Logger keeps in memory for
// Recent (the admin API's GET /audit and the console's audit view): about 0.5 MiB.
const RecentRecords = 1000

// Open opens the audit log at path: "-" is standard output; anything else is a file,
// created with mode 0600 if needed and opened for appending, so that several
// processes (or a log rotator that truncates) keep whole lines. node is written in
// every record; errors writing the log go to logger.
func Open(path, node string, logger *slog.Logger) (*Logger, error) {
	if path == "" {
		return nil, errors.New("audit: empty path (use - for standard output)")
	}
	if logger == nil {
		logger = slog.Default()
	}
	if path == "-" {
		return &Logger{node: node, log: logger, w: os.Stdout}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open log: %w", err)
	}
	return &Logger{node: node, log: logger, w: f, closer: f}, nil
}

// New returns a Logger that writes to w, for tests and embedding. Close does not
// close w.
func New(w io.Writer, node string, logger *slog.Logger) *Logger {
	if logger == nil {
		logger = slog.Default()
	}
	return &Logger{node: node, log: logger, w: w}
}

// Log writes one record as one line. A failed write is reported to the Logger's slog
// logger (once, until writes succeed again); the request is not failed for it.
func (l *Logger) Log(r Record) {
	if l == nil {
		return
	}
	if r.Node == "" {
		r.Node = l.node
	}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	line := Encode(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.remember(truncated(r))
	if _, err := l.w.Write(line); err != nil {
		if !l.failed {
			l.log.Error("writing the audit log failed; records are being lost", "error", err)
		}
		l.failed = true
		return
	}
	l.failed = false
}

// remember keeps r among the recent records; the caller holds mu.
func (l *Logger) remember(r Record) {
	if len(l.recent) < RecentRecords {
		l.recent = append(l.recent, r)
		return
	}
	l.recent[l.next] = r
	l.next = (l.next + 1) % RecentRecords
}

// Recent returns up to limit of the latest records that match keep (nil: all),
// newest first. Nothing for a nil Logger.
func (l *Logger) Recent(keep func(Record) bool, limit int) []Record {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Record
	n := len(l.recent)
	for i := 0; i < n && len(out) < limit; i++ {
		// Newest first: the one before next, backwards around the ring.
		r := l.recent[(l.next-1-i+2*n)%n]
		if keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Close closes the log file (not standard output, nor New's writer). Records logged
// after Close are lost, and reported once.
func (l *Logger) Close() error {
	if l == nil || l.closer == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closer.Close()
}

// Encode returns the line of a record: its JSON, escaped as the package describes,
// and a newline.
func Encode(r Record) []byte {
	r = truncated(r)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		// A Record holds only strings, ints and a time: it always encodes.
		panic(fmt.Sprintf("audit: encode a record: %v", err))
	}
	return escapeControls(buf.Bytes())
}

// truncated returns r with each string field cut to MaxFieldLength.
func truncated(r Record) Record {
	for _, f := range []*string{&r.RequestID, &r.API, &r.Action, &r.Bucket, &r.Key, &r.User, &r.AccessKey, &r.Result, &r.ErrorCode, &r.ClientIP, &r.UserAgent, &r.Node} {
		*f = truncate(*f, MaxFieldLength)
	}
	return r
}

// escapeControls rewrites, as \uXXXX escapes, the characters that encoding/json
// leaves as they are but that a terminal or a line-oriented tool may treat as
// control: DEL, C1 controls and bidirectional formatting characters. They can only
// occur inside JSON strings, where the escape means the same character.
func escapeControls(line []byte) []byte {
	if !needsEscape(line) {
		return line
	}
	out := make([]byte, 0, len(line)+32)
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		if mustEscape(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, line[i:i+size]...)
		}
		i += size
	}
	return out
}

func needsEscape(line []byte) bool {
	for i := 0; i < len(line); {
		if line[i] < utf8.RuneSelf {
			if line[i] == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(line[i:])
		if mustEscape(r) {
			return true
		}
		i += size
	}
	return false
}

// mustEscape reports whether r is one of the characters escapeControls rewrites.
func mustEscape(r rune) bool {
	switch {
	case r == 0x7f, r >= 0x80 && r <= 0x9f: // DEL, C1 (NEL, CSI, ...)
		return true
	case r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	case r == 0x2028, r == 0x2029: // already escaped by encoding/json; kept for safety
		return true
	}
	return false
}

// truncate cuts s to at most n bytes at a character boundary, ending it with "...".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
