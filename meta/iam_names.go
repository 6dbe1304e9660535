package meta

import (
	"crypto/rand"
	"strings"
)

// Limits of IAM names, as in AWS IAM.
const (
	maxUserName   = 64
	maxGroupName  = 128
	maxPolicyName = 128
)

// checkUserName checks a new user's name: 1–64 characters of A–Z, a–z, 0–9 and
// + = , . @ _ -, and not "root" in any case. These are also the names a bucket policy
// can name as a principal.
func checkUserName(name string) error {
	if strings.EqualFold(name, RootUser) {
		return invalidf("the user name %q is reserved", name)
	}
	return checkName("user", name, maxUserName)
}

// checkGroupName checks a group's name: 1–128 characters, as user names.
func checkGroupName(name string) error { return checkName("group", name, maxGroupName) }

// checkPolicyName checks a managed policy's name: 1–128 characters, as user names.
func checkPolicyName(name string) error { return checkName("policy", name, maxPolicyName) }

func checkName(what, name string, maxLen int) error {
	if name == "" || len(name) > maxLen {
		return invalidf("a %s name has 1 to %d characters", what, maxLen)
	}
	for i := 0; i < len(name); i++ {
		if !nameChar(name[i]) {
			return invalidf("bad character %q in the %s name %q (allowed: A-Z a-z 0-9 + = , . @ _ -)", name[i], what, name)
		}
	}
	return nil
}

func nameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0
}

// Access key alphabets and lengths. Generated ids all have the same length, so none is
// a prefix of another.
const (
	accessKeyIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretKeyAlphabet   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	accessKeyIDLength   = 20
	secretKeyLength     = 40 // 238 bits
)

// newAccessKeyID returns a random access key id.
func newAccessKeyID() string { return randomString(accessKeyIDAlphabet, accessKeyIDLength) }

// newSecretKey returns a random secret key.
func newSecretKey() string { return randomString(secretKeyAlphabet, secretKeyLength) }

// randomString returns n characters drawn uniformly from alphabet (at most 256 of
// them) with crypto/rand, rejecting bytes that would bias the draw.
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // never fails (crypto/rand)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
