package management

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

const testToken = "test-management-token-0123456789"

// clock is a settable clock for the rate limiter.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a management API over fakes.
type harness struct {
	t       *testing.T
	srv     *httptest.Server
	meta    *fakeMeta
	objects *fakeObjects
	clock   *clock
}

func newFakeHarness(t *testing.T, adjust ...func(*Config)) *harness {
	t.Helper()
	fm := newFakeMeta()
	h := &harness{t: t, meta: fm, objects: &fakeObjects{full: map[string]bool{}}, clock: &clock{now: time.Unix(1_700_000_000, 0)}}
	cfg := DefaultConfig()
	cfg.Token, cfg.S3URL, cfg.Now = testToken, "http://0.0.0.0:9000", h.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	cfg.RateLimit, cfg.Burst = 1000, 1000
	for _, a := range adjust {
		a(&cfg)
	}
	s, err := New(cfg, fm, h.objects)
	require.NoError(t, err)
	h.srv = httptest.NewServer(s.Handler())
	t.Cleanup(h.srv.Close)
	return h
}

// do sends a request with the token (unless token is "-") and returns the status,
// the headers and the body.
func (h *harness) do(method, path, body string, token ...string) (int, http.Header, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	require.NoError(h.t, err)
	tok := testToken
	if len(token) > 0 {
		tok = token[0]
	}
	if tok != "-" {
		req.Header.Set("X-Auth-Token", tok)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// errorCode decodes an error body's code.
func errorCode(t *testing.T, body string) Code {
	t.Helper()
	var e Error
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.NotEmpty(t, e.RequestID)
	return e.Code
}

func TestConfigIsValidated(t *testing.T) {
	for name, cfg := range map[string]Config{
		"short token":  {Token: "short"},
		"bad account":  {Token: testToken, Account: "a/b"},
		"zero burst":   {Token: testToken, Burst: -1},
		"proxies <0":   {Token: testToken, TrustedProxies: -1},
		"no clients":   {Token: testToken, MaxClients: -1},
		"long account": {Token: testToken, Account: strings.Repeat("a", 65)},
	} {
		_, err := New(cfg, newFakeMeta(), &fakeObjects{})
		require.Error(t, err, name)
	}
}

func TestTokenIsRequiredExceptForPingAndVersion(t *testing.T) {
	h := newFakeHarness(t)
	status, _, body := h.do(http.MethodGet, "/v1/s3/ping", "", "-")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "pong", body)
	status, _, body = h.do(http.MethodGet, "/v1/s3/version", "", "-")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"version"`)

	for _, tok := range []string{"-", "", "wrong", testToken + "x", strings.ToUpper(testToken)} {
		status, _, body := h.do(http.MethodGet, "/v1/s3/cairn/buckets", "", tok)
		require.Equal(t, http.StatusForbidden, status, tok)
		require.Equal(t, Forbidden, errorCode(t, body))
		// The account name is not revealed before authentication: any account gets 403.
		status, _, _ = h.do(http.MethodGet, "/v1/s3/other/buckets", "", tok)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = h.do(http.MethodGet, "/v1/s3/metrics", "", tok)
		require.Equal(t, http.StatusForbidden, status)
	}
	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `[]`, body)
}

func TestAnotherAccountIsNotFound(t *testing.T) {
	h := newFakeHarness(t, func(c *Config) { c.Account = "acme" })
	status, _, body := h.do(http.MethodGet, "/v1/s3/cairn/buckets", "")
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, NotFound, errorCode(t, body))
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusNotFound, status)
	require.Empty(t, h.meta.buckets)
	status, _, _ = h.do(http.MethodGet, "/v1/s3/acme/buckets", "")
	require.Equal(t, http.StatusOK, status)
}

func TestMalformedRequestsAreRefused(t *testing.T) {
	h := newFakeHarness(t)
	for name, body := range map[string]string{
		"empty":                            ``,
		"not JSON":                         `{"BucketInput":`,
		"two values":                       `{"BucketInput":{"Bucket":"photos"}} {}`,
		"unknown field":                    `{"BucketInput":{"Bucket":"photos"},"Colour":"red"}`,
		"bad name":                         `{"BucketInput":{"Bucket":"Photos_2024"}}`,
		"no name":                          `{"Tags":[]}`,
		"public ACL":                       `{"BucketInput":{"Bucket":"photos","ACL":"public-read"}}`,
		"other region":                     `{"BucketInput":{"Bucket":"photos","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}}}`,
		"empty tag key":                    `{"BucketInput":{"Bucket":"photos"},"Tags":[{"Key":"","Value":"x"}]}`,
		"dup tag":                          `{"BucketInput":{"Bucket":"photos"},"Tags":[{"Key":"a","Value":"x"},{"Key":"a","Value":"y"}]}`,
		"reserved tag":                     `{"BucketInput":{"Bucket":"photos"},"Tags":[{"Key":"aws:x","Value":"x"}]}`,
		"long tag value":                   `{"BucketInput":{"Bucket":"photos"},"Tags":[{"Key":"a","Value":"` + strings.Repeat("v", 257) + `"}]}`,
		"tags not list":                    `{"BucketInput":{"Bucket":"photos"},"Tags":{"a":"b"}}`,
		"duplicate key":                    `{"BucketInput":{"Bucket":"photos","Bucket":"other"}}`,
		"duplicate keys differing in case": `{"BucketInput":{"Bucket":"photos","bucket":"other"}}`,
	} {
		status, _, resp := h.do(http.MethodPost, "/v1/s3/cairn/buckets", body)
		require.Equal(t, http.StatusBadRequest, status, name)
		require.Equal(t, BadRequest, errorCode(t, resp), name)
	}
	require.Empty(t, h.meta.buckets)
	require.Empty(t, h.meta.policies)

	status, _, resp := h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"`+strings.Repeat("a", maxBody)+`"}}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
	require.Equal(t, TooLarge, errorCode(t, resp))
}

func TestCreateBucketMakesBucketPolicyAndGroup(t *testing.T) {
	h := newFakeHarness(t)
	status, _, body := h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusAccepted, status, body)
	var out CreateBucketResponse
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	require.Equal(t, "/photos", out.Bucket)
	require.Equal(t, "photos-BktAdmPlc", out.Policy.PolicyName)
	require.Equal(t, "arn:aws:iam::cairn:policy/photos-BktAdmPlc", out.Policy.Arn)
	require.Equal(t, 1, out.Policy.AttachmentCount)
	require.Equal(t, "photos-BktAdmGrp", out.Group.GroupName)
	require.Equal(t, "arn:aws:iam::cairn:group/photos-BktAdmGrp", out.Group.Arn)
	require.Len(t, out.Group.GroupId, 21)
	require.Equal(t, []string{"photos-BktAdmPlc"}, h.meta.groups["photos-BktAdmGrp"].Policies)
	require.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Sid":"BucketAdmin","Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}]}`,
		string(h.meta.policies["photos-BktAdmPlc"].Document))

	// The same bucket again, or a bucket whose policy or group exists: 409.
	status, _, body = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, Conflict, errorCode(t, body))
	require.NoError(t, h.meta.PutPolicy(t.Context(), "docs-BktAdmPlc", []byte(`{}`)))
	status, _, body = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"docs"}}`)
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "docs-BktAdmPlc")
	require.NotContains(t, h.meta.buckets, "docs")
}

func TestFailedCreateLeavesNothingBehind(t *testing.T) {
	h := newFakeHarness(t)
	h.meta.fail["CreateGroup"] = true
	status, _, body := h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, InternalError, errorCode(t, body))
	require.NotContains(t, body, "secret", "an internal error's text is logged, not sent")
	require.Empty(t, h.meta.buckets)
	require.Empty(t, h.meta.policies)
	require.Empty(t, h.meta.groups)

	h.meta.fail["CreateGroup"] = false
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusAccepted, status)
	h.meta.fail["CreateAccessKey"] = true
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets/photos/users", `{"User":{"UserName":"app"}}`)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Empty(t, h.meta.users, "the user is deleted when its key cannot be made")
	require.Empty(t, h.meta.groups["photos-BktAdmGrp"].Members)

	h.meta.fail["Buckets"] = true
	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets", "")
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, InternalError, errorCode(t, body))
}

func TestLifecyclePresets(t *testing.T) {
	h := newFakeHarness(t)
	status, _, body := h.do(http.MethodPost, "/v1/s3/cairn/buckets",
		`{"BucketInput":{"Bucket":"photos"},"Tags":[{"Key":"a","Value":"b"}],"Lifecycle":"deep-archive"}`)
	require.Equal(t, http.StatusBadRequest, status, "a storage-class transition has no meaning in Cairn")
	require.Equal(t, BadRequest, errorCode(t, body))
	require.Contains(t, body, "expire-noncurrent-30d")
	require.Empty(t, h.meta.buckets)
	require.Empty(t, h.meta.tags)

	status, _, body = h.do(http.MethodPost, "/v1/s3/cairn/buckets",
		`{"BucketInput":{"Bucket":"photos"},"Lifecycle":"expire-90d"}`)
	require.Equal(t, http.StatusAccepted, status, body)
	lc := h.meta.buckets["photos"].Lifecycle
	require.NotNil(t, lc)
	require.Equal(t, 90, lc.Rules[0].ExpirationDays)
	require.Equal(t, 7, lc.Rules[0].AbortDays)

	h.meta.fail["PutBucketLifecycle"] = true
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets",
		`{"BucketInput":{"Bucket":"logs"},"Lifecycle":"abort-incomplete-uploads"}`)
	require.Equal(t, http.StatusInternalServerError, status)
	require.NotContains(t, h.meta.buckets, "logs", "the bucket is undone when its preset cannot be set")
}

func TestBucketTags(t *testing.T) {
	h := newFakeHarness(t)
	status, _, body := h.do(http.MethodPost, "/v1/s3/cairn/buckets",
		`{"BucketInput":{"Bucket":"photos"},"Tags":[{"Key":"CreatedBy","Value":"Big Bird"},{"Key":"Application","Value":"HowToGet"}]}`)
	require.Equal(t, http.StatusAccepted, status, body)
	require.Equal(t, map[string]string{"CreatedBy": "Big Bird", "Application": "HowToGet"}, h.meta.tags["photos"])
	h.objects.full["photos"] = true
	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets/photos", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"Tags":[{"Key":"Application","Value":"HowToGet"},{"Key":"CreatedBy","Value":"Big Bird"}],"Logging":null,"Empty":false}`, body)

	// PUT replaces the whole set.
	status, _, body = h.do(http.MethodPut, "/v1/s3/cairn/buckets/photos", `{"Tags":[{"Key":"COA","Value":"Take.My.Money.$$$$"}]}`)
	require.Equal(t, http.StatusOK, status, body)
	require.JSONEq(t, `{"Tags":[{"Key":"COA","Value":"Take.My.Money.$$$$"}]}`, body)
	require.Equal(t, map[string]string{"COA": "Take.My.Money.$$$$"}, h.meta.tags["photos"])
	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets/photos", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"Tags":[{"Key":"COA","Value":"Take.My.Money.$$$$"}],"Logging":null,"Empty":false}`, body)

	// An empty list removes them.
	status, _, body = h.do(http.MethodPut, "/v1/s3/cairn/buckets/photos", `{"Tags":[]}`)
	require.Equal(t, http.StatusOK, status, body)
	require.JSONEq(t, `{"Tags":[]}`, body)
	require.NotContains(t, h.meta.tags, "photos")
	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets/photos", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"Tags":[],"Logging":null,"Empty":false}`, body)

	for name, req := range map[string]string{
		"PUT without Tags": `{}`,
		"duplicate key":    `{"Tags":[{"Key":"a","Value":"x"},{"Key":"a","Value":"y"}]}`,
		"reserved key":     `{"Tags":[{"Key":"aws:x","Value":"x"}]}`,
	} {
		status, _, body = h.do(http.MethodPut, "/v1/s3/cairn/buckets/photos", req)
		require.Equal(t, http.StatusBadRequest, status, name)
		require.Equal(t, BadRequest, errorCode(t, body), name)
	}
	status, _, _ = h.do(http.MethodPut, "/v1/s3/cairn/buckets/nothere", `{"Tags":[]}`)
	require.Equal(t, http.StatusNotFound, status)

	// A bucket created without tags has none.
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"docs"},"Tags":[]}`)
	require.Equal(t, http.StatusAccepted, status)
	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets/docs", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"Tags":[],"Logging":null,"Empty":true}`, body)
}

func TestFailedTagsUndoTheCreate(t *testing.T) {
	h := newFakeHarness(t)
	h.meta.fail["PutBucketTags"] = true
	status, _, body := h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"},"Tags":[{"Key":"a","Value":"b"}]}`)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, InternalError, errorCode(t, body))
	require.Empty(t, h.meta.buckets)
	require.Empty(t, h.meta.policies)
	require.Empty(t, h.meta.groups)
}

func TestMetaTagErrorsAreBadRequests(t *testing.T) {
	e := toError(fmt.Errorf("%w: the key \"aws:x\" starts with the reserved prefix \"aws:\"", meta.ErrInvalidTag))
	require.NotNil(t, e)
	require.Equal(t, BadRequest, e.Code)
	require.Equal(t, `invalid tag: the key "aws:x" starts with the reserved prefix "aws:"`, e.Message)
}

// testWriter sends log lines to the test's log, shown when it fails.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
