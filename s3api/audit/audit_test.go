package audit

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// lines splits a log into its lines and parses each as one record.
func lines(t *testing.T, data []byte) []Record {
	t.Helper()
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var r Record
		require.NoError(t, dec.Decode(&r), "line %q", sc.Text())
		require.False(t, dec.More(), "one record per line: %q", sc.Text())
		out = append(out, r)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestAForgedKeyCannotMakeASecondRecord(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, "n1", nil)
	forged := "a\n{\"action\":\"forged\",\"result\":\"allow\"}"
	l.Log(Record{Action: "PutObject", Bucket: "b", Key: forged, Result: ResultAllow, Status: 200})
	require.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")), "exactly one line")
	recs := lines(t, buf.Bytes())
	require.Len(t, recs, 1)
	require.Equal(t, forged, recs[0].Key, "the value is kept exactly")
	require.Equal(t, "PutObject", recs[0].Action)
	require.Equal(t, "n1", recs[0].Node)
}

func TestControlCharactersAreEscaped(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, "n1", nil)
	var evil []string
	for r := rune(0); r < 0xa0; r++ {
		if r < 0x20 || r >= 0x7f {
			evil = append(evil, string(r))
		}
	}
	evil = append(evil, "\u2028", "\u2029", "\u202e", "\u2066", "\u200f")
	value := "k" + strings.Join(evil, "x")
	l.Log(Record{Key: value, UserAgent: value, Bucket: value, AccessKey: value, Result: ResultDeny, Status: 403})
	line := buf.Bytes()
	require.True(t, utf8.Valid(line))
	body := line[:len(line)-1]
	for _, r := range string(body) {
		require.False(t, r < 0x20 || (r >= 0x7f && r < 0xa0) || mustEscape(r), "raw %U in the line", r)
	}
	recs := lines(t, line)
	require.Len(t, recs, 1)
	for _, got := range []string{recs[0].Key, recs[0].UserAgent, recs[0].Bucket, recs[0].AccessKey} {
		require.Equal(t, value, got)
	}
}

func TestLongFieldsAreTruncated(t *testing.T) {
	ua := strings.Repeat("é", MaxFieldLength) // 2 bytes each
	line := Encode(Record{UserAgent: ua})
	var r Record
	require.NoError(t, json.Unmarshal(line, &r))
	require.LessOrEqual(t, len(r.UserAgent), MaxFieldLength)
	require.True(t, utf8.ValidString(r.UserAgent))
	require.True(t, strings.HasSuffix(r.UserAgent, "..."))
}

func TestConcurrentRecordsStayWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path, "n1", nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				l.Log(Record{RequestID: fmt.Sprintf("%d-%d", g, i), Key: strings.Repeat("k", 1000), Result: ResultAllow, Status: 200})
			}
		}()
	}
	wg.Wait()
	require.NoError(t, l.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	recs := lines(t, data)
	require.Len(t, recs, 1600)
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.RequestID] = true
		require.Equal(t, time.UTC, r.Time.Location())
	}
	require.Len(t, seen, 1600)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// Reopening appends.
	l, err = Open(path, "n1", nil)
	require.NoError(t, err)
	l.Log(Record{RequestID: "again"})
	require.NoError(t, l.Close())
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, lines(t, data), 1601)
}

func TestOpenErrors(t *testing.T) {
	_, err := Open("", "n", nil)
	require.Error(t, err)
	_, err = Open(filepath.Join(t.TempDir(), "missing", "dir", "log"), "n", nil)
	require.Error(t, err)
	var nilLogger *Logger
	nilLogger.Log(Record{}) // a nil Logger logs nothing
	require.NoError(t, nilLogger.Close())
}

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		proxies int
		want    string
	}{
		{"peer", "192.0.2.1:1234", nil, 0, "192.0.2.1"},
		{"xff ignored without trusted proxies", "192.0.2.1:1234", []string{"203.0.113.9"}, 0, "192.0.2.1"},
		{"one proxy", "10.0.0.1:1", []string{"198.51.100.7, 203.0.113.9"}, 1, "203.0.113.9"},
		{"two proxies", "10.0.0.1:1", []string{"198.51.100.7, 203.0.113.9"}, 2, "198.51.100.7"},
		{"forged entries on the left", "10.0.0.1:1", []string{"1.1.1.1, 2.2.2.2, 203.0.113.9"}, 1, "203.0.113.9"},
		{"several headers", "10.0.0.1:1", []string{"198.51.100.7", "203.0.113.9"}, 2, "198.51.100.7"},
		{"fewer entries than proxies", "10.0.0.1:1", []string{"203.0.113.9"}, 3, "203.0.113.9"},
		{"no header", "10.0.0.1:1", nil, 1, "10.0.0.1"},
		{"garbage", "10.0.0.1:1", []string{"not-an-ip\n{}"}, 1, "10.0.0.1"},
		{"ipv6", "[2001:db8::1]:80", nil, 0, "2001:db8::1"},
		{"mapped ipv4", "[::ffff:192.0.2.5]:80", nil, 0, "192.0.2.5"},
		{"ipv6 forwarded", "10.0.0.1:1", []string{"2001:db8::7"}, 1, "2001:db8::7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			require.Equal(t, tc.want, ClientIP(r, tc.proxies))
		})
	}
}

func TestSecureTransport(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	require.False(t, SecureTransport(r, 0), "a client's header proves nothing")
	require.True(t, SecureTransport(r, 1))
	r.Header.Set("X-Forwarded-Proto", "https, http")
	require.False(t, SecureTransport(r, 1), "the nearest proxy's word counts")
	r.TLS = &tls.ConnectionState{}
	require.True(t, SecureTransport(r, 0))
}

// TestRecent: the logger keeps the latest RecentRecords records, newest first,
// filtered, with fields cut as in the log.
func TestRecent(t *testing.T) {
	l := New(io.Discard, "n1", nil)
	for i := 0; i < RecentRecords+5; i++ {
		l.Log(Record{Action: fmt.Sprint("A", i), Key: strings.Repeat("k", MaxFieldLength+10)})
	}
	got := l.Recent(nil, 3)
	require.Len(t, got, 3)
	require.Equal(t, fmt.Sprint("A", RecentRecords+4), got[0].Action)
	require.Equal(t, fmt.Sprint("A", RecentRecords+2), got[2].Action)
	require.LessOrEqual(t, len(got[0].Key), MaxFieldLength)
	require.Equal(t, "n1", got[0].Node)
	all := l.Recent(nil, 10*RecentRecords)
	require.Len(t, all, RecentRecords)
	require.Equal(t, "A5", all[len(all)-1].Action, "the oldest kept")
	even := l.Recent(func(r Record) bool { return strings.HasSuffix(r.Action, "0") }, 2)
	require.Equal(t, []string{fmt.Sprint("A", RecentRecords), fmt.Sprint("A", RecentRecords-10)}, []string{even[0].Action, even[1].Action})
	var nilLogger *Logger
	require.Nil(t, nilLogger.Recent(nil, 1))
}
