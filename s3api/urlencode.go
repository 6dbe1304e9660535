package s3api

import "strings"

// s3URLEncode encodes a key or prefix for a response asked for with
// encoding-type=url, as S3 does: every byte but the unreserved characters of RFC 3986
// (A-Z a-z 0-9 - _ . ~) and '/' becomes %XX with upper-case hex, so a space is %20
// (never '+', which form decoding would read back as a space) and '+' is %2B. It is
// the one encoder every listing with encoding-type uses.
func s3URLEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if urlUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// urlUnreserved reports whether s3URLEncode leaves c as it is.
func urlUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || c == '/'
}
