package s3api

import (
	"net/url"
	"testing"
)

func TestS3URLEncode(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"plain/key.txt":   "plain/key.txt",
		"a b/c":           "a%20b/c",
		"c+d":             "c%2Bd",
		"ü/x":             "%C3%BC/x",
		"50%":             "50%25",
		"a&b=c?d#e":       "a%26b%3Dc%3Fd%23e",
		"~tilde-_.":       "~tilde-_.",
		"tab\there\n":     "tab%09here%0A",
		"quote\"'<>*()!,": "quote%22%27%3C%3E%2A%28%29%21%2C",
	} {
		got := s3URLEncode(in)
		if got != want {
			t.Errorf("s3URLEncode(%q) = %q, want %q", in, got, want)
		}
		// Every client decoder reads it back: path and query (form) unescaping.
		for name, dec := range map[string]func(string) (string, error){"path": url.PathUnescape, "query": url.QueryUnescape} {
			if back, err := dec(got); err != nil || back != in {
				t.Errorf("%s-unescape(%q) = %q, %v; want %q", name, got, back, err, in)
			}
		}
	}
}
