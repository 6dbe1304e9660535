package transport

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of an authenticated node-to-node request.
const (
	HeaderNode      = "X-Cairn-Node"
	HeaderDate      = "X-Cairn-Date"
	HeaderBodyHash  = "X-Cairn-Body-Sha256"
	HeaderSignature = "X-Cairn-Signature"
)

// MaxClockSkew is how far a request's date may be from the receiver's clock.
const MaxClockSkew = 5 * time.Minute

// sign computes a request's signature: HMAC-SHA256 over method, path and query, the
// sending node, the date and the body's SHA-256.
func sign(key []byte, method, uri, node, date, bodyHash string) string {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{method, uri, node, date, bodyHash} {
		m.Write([]byte(part))
		m.Write([]byte{'\n'})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// RemoteError is an error answer from another node: its HTTP status and the code and
// message of its JSON body.
type RemoteError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("remote node: %d %s: %s", e.Status, e.Code, e.Message)
}

// WriteError answers a node-to-node request with a JSON error the client turns into a
// *RemoteError.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": message})
}

// Client sends authenticated requests to other nodes.
type Client struct {
	key    []byte
	node   string
	http   *http.Client
	scheme string // "http", or "https" for NewTLSClient
}

// NewClient returns a client that signs as node with key. A nil httpClient uses one
// with keep-alives and a per-request timeout taken from the context only.
func NewClient(key []byte, node string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	return &Client{key: key, node: node, http: httpClient, scheme: "http"}
}

// Do sends method path (with its query) to the node at addr ("host:port") with body,
// signed. A non-2xx answer is returned as a *RemoteError.
func (c *Client) Do(ctx context.Context, method, addr, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.scheme+"://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	date := strconv.FormatInt(time.Now().UnixNano(), 10)
	req.Header.Set(HeaderNode, c.node)
	req.Header.Set(HeaderDate, date)
	req.Header.Set(HeaderBodyHash, bodyHash)
	req.Header.Set(HeaderSignature, sign(c.key, method, req.URL.RequestURI(), c.node, date, bodyHash))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		remote := &RemoteError{Status: resp.StatusCode}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(data, remote) != nil {
			remote.Message = strings.TrimSpace(string(data))
		}
		remote.Status = resp.StatusCode
		return nil, remote
	}
	return resp, nil
}

// CallJSON posts in as JSON to path on addr and decodes the JSON answer into out
// (which may be nil).
func (c *Client) CallJSON(ctx context.Context, addr, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, err := c.Do(ctx, http.MethodPost, addr, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// ErrUnauthenticated is the answer to a request that is not signed with the cluster key.
var ErrUnauthenticated = errors.New("transport: request not signed with the cluster key")

// Authenticate wraps next so that only requests signed with key reach it. The body is
// read whole (node-to-node bodies are at most one block, 1 MiB, plus framing; maxBody
// bounds it) and checked against the signed hash before next runs.
func Authenticate(key []byte, maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		node, date, bodyHash := r.Header.Get(HeaderNode), r.Header.Get(HeaderDate), r.Header.Get(HeaderBodyHash)
		want := sign(key, r.Method, r.URL.RequestURI(), node, date, bodyHash)
		got := r.Header.Get(HeaderSignature)
		if node == "" || !hmac.Equal([]byte(want), []byte(got)) {
			WriteError(w, http.StatusUnauthorized, "Unauthenticated", ErrUnauthenticated.Error())
			return
		}
		nanos, err := strconv.ParseInt(date, 10, 64)
		if err != nil || time.Since(time.Unix(0, nanos)).Abs() > MaxClockSkew {
			WriteError(w, http.StatusUnauthorized, "Unauthenticated", "request date missing or too far from this node's clock")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			WriteError(w, http.StatusBadRequest, "IncompleteBody", err.Error())
			return
		}
		if int64(len(body)) > maxBody {
			WriteError(w, http.StatusRequestEntityTooLarge, "TooLarge", "request body too large")
			return
		}
		sum := sha256.Sum256(body)
		if !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(bodyHash)) {
			WriteError(w, http.StatusBadRequest, "BadDigest", "body does not match its signed hash")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// SenderNode returns the authenticated sending node of a request that passed
// Authenticate.
func SenderNode(r *http.Request) string { return r.Header.Get(HeaderNode) }
