// Package client calls Cairn's admin API: it signs each request with SigV4 for the
// service admin.Service ("cairn-admin", as the admin API requires) using the AWS
// SDK's signer, sends it, and decodes the JSON answer or the JSON error. The CLI (`cairn admin`) and tests use it.
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cairnstore/cairn/s3api/admin"
)

// Config configures a Client.
type Config struct {
	// Endpoint is the admin address, e.g. "http://127.0.0.1:9001". Required.
	Endpoint string
	// Credentials yields the access key that signs requests. Required; see
	// credentials.NewStaticCredentialsProvider for a fixed key.
	Credentials aws.CredentialsProvider
	// Region is the region requests are signed for. Default "us-east-1"; a node
	// accepts any region unless it runs with a strict region, which this must match.
	Region string
	// HTTPClient sends the requests; http.DefaultClient when nil.
	HTTPClient *http.Client
	// UserAgent is sent as User-Agent. Default "cairn-admin-client".
	UserAgent string
}

// Client calls the admin API of one node. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	creds  aws.CredentialsProvider
	region string
	http   *http.Client
	agent  string
	signer *v4.Signer
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("admin client: no credentials")
	}
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("admin client: bad endpoint %q: want http(s)://host:port", cfg.Endpoint)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("admin client: bad endpoint %q: no user info, path or query allowed", u.Redacted())
	}
	c := &Client{
		base:   &url.URL{Scheme: u.Scheme, Host: u.Host},
		creds:  cfg.Credentials,
		region: cfg.Region,
		http:   cfg.HTTPClient,
		agent:  cfg.UserAgent,
		// The admin API canonicalizes paths as S3 does: the path is signed as sent,
		// not escaped a second time.
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.http == nil {
		c.http = http.DefaultClient
	}
	if c.agent == "" {
		c.agent = "cairn-admin-client"
	}
	return c, nil
}

// Error is an error answer of the admin API: its JSON body and HTTP status.
type Error struct {
	Status    int
	Code      admin.Code
	Message   string
	RequestID string
}

// Error returns "Code: Message (HTTP status, request id ...)".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d, request id %s)", e.Code, e.Message, e.Status, e.RequestID)
}

// IsCode reports whether err is an admin API error with the given code.
func IsCode(err error, code admin.Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Do sends method to path (under admin.Prefix, e.g. "/users/alice"; each segment
// escaped by the caller with Escape) with body as JSON (nil for none), and decodes
// the answer into out (nil to discard it). An error answer is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return fmt.Errorf("admin client: encode request: %w", err)
		}
	}
	req, err := c.newRequest(ctx, method, path, raw)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin client: %s %s: %w", method, admin.Prefix+path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("admin client: read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var body admin.Error
		if json.Unmarshal(data, &body) != nil || body.Code == "" {
			body.Code = admin.Code(strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", ""))
			body.Message = strings.TrimSpace(string(data))
			body.RequestID = resp.Header.Get("x-amz-request-id")
		}
		return &Error{Status: resp.StatusCode, Code: body.Code, Message: body.Message, RequestID: body.RequestID}
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("admin client: decode answer of %s %s: %w", method, admin.Prefix+path, err)
	}
	return nil
}

// newRequest builds and signs a request. The body's SHA-256 is signed, as the admin
// API requires for a request with a body.
func (c *Client) newRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	u := *c.base
	path, u.RawQuery, _ = strings.Cut(path, "?")
	u.Path, _ = url.PathUnescape(admin.Prefix + path)
	u.RawPath = admin.Prefix + path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		req.Body, req.GetBody = http.NoBody, nil
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.agent)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin client: credentials: %w", err)
	}
	if err := c.signer.SignHTTP(ctx, creds, req, hash, admin.Service, c.region, time.Now()); err != nil {
		return nil, fmt.Errorf("admin client: sign: %w", err)
	}
	return req, nil
}

// Escape escapes one path segment as SigV4 canonicalizes it: every byte except
// A-Z a-z 0-9 - . _ ~ is percent-encoded.
func Escape(segment string) string {
	var b strings.Builder
	for i := 0; i < len(segment); i++ {
		ch := segment[i]
		if 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || strings.IndexByte("-._~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}
