package s3url

import "testing"

func TestSplit(t *testing.T) {
	cases := []struct {
		raw, endpoint, ak, sk string
		bad                   bool
	}{
		{raw: "https://AK:SK@h.example:9000", endpoint: "https://h.example:9000", ak: "AK", sk: "SK"},
		{raw: "http://h:9000/", endpoint: "http://h:9000"},
		{raw: "http://AK@h:9000", bad: true},
		{raw: "ftp://h", bad: true},
		{raw: "http://h/path", bad: true},
		{raw: "http://h:99999", bad: true},
	}
	for _, c := range cases {
		ep, ak, sk, err := Split(c.raw)
		if c.bad {
			if err == nil {
				t.Errorf("Split(%q): no error", c.raw)
			}
			continue
		}
		if err != nil || ep != c.endpoint || ak != c.ak || sk != c.sk {
			t.Errorf("Split(%q) = %q %q %q %v", c.raw, ep, ak, sk, err)
		}
	}
}

func TestRedactHidesTheSecret(t *testing.T) {
	if got := Redact("http://AK:secret@h:9000"); got != "http://AK:REDACTED@h:9000" {
		t.Fatalf("Redact = %q", got)
	}
}
