package policy

import "strings"

// Condition keys Cairn supports, spelled as Request.Conditions should use them. In a
// policy, key names are case-insensitive; the tag name after s3:ExistingObjectTag/ and
// s3:RequestObjectTag/ is not, as S3 tags are case-sensitive.
const (
	// KeySourceIP is the client's IP address, v4 or v6, without a port.
	KeySourceIP = "aws:SourceIp"
	// KeySecureTransport is "true" when the request came over TLS, else "false".
	KeySecureTransport = "aws:SecureTransport"
	// KeyCurrentTime is the time of the request, RFC 3339 (e.g. "2024-05-01T12:00:00Z").
	KeyCurrentTime = "aws:CurrentTime"
	// KeyEpochTime is the time of the request in seconds since the Unix epoch.
	KeyEpochTime = "aws:EpochTime"
	// KeyUsername is the user's name. Evaluate takes it from Request.Principal.
	KeyUsername = "aws:username"
	// KeyUserID is the user's unique id.
	KeyUserID = "aws:userid"
	// KeyPrincipalType is "User", "Account" (root) or "Anonymous". Evaluate derives it
	// from Request.Principal and Request.IsRoot.
	KeyPrincipalType = "aws:PrincipalType"
	// KeyUserAgent is the User-Agent header.
	KeyUserAgent = "aws:UserAgent"
	// KeyReferer is the Referer header.
	KeyReferer = "aws:Referer"
	// KeyPrefix is the prefix parameter of a listing; "" when the request has none,
	// as in AWS.
	KeyPrefix = "s3:prefix"
	// KeyDelimiter is the delimiter parameter of a listing.
	KeyDelimiter = "s3:delimiter"
	// KeyMaxKeys is the max-keys parameter of a listing.
	KeyMaxKeys = "s3:max-keys"
	// KeyACL is the x-amz-acl header (canned ACL).
	KeyACL = "s3:x-amz-acl"
	// KeyContentSHA256 is the x-amz-content-sha256 header.
	KeyContentSHA256 = "s3:x-amz-content-sha256"
	// KeySignatureVersion is "AWS4-HMAC-SHA256" for SigV4.
	KeySignatureVersion = "s3:signatureversion"
	// KeyAuthType is "REST-HEADER", "REST-QUERY-STRING" (presigned) or "POST".
	KeyAuthType = "s3:authType"

	// KeyExistingObjectTagPrefix, followed by a tag name, is the value of that tag on
	// the object the request reads or changes. See ExistingObjectTagKey.
	KeyExistingObjectTagPrefix = "s3:ExistingObjectTag/"
	// KeyRequestObjectTagPrefix, followed by a tag name, is the value of that tag in
	// the request (x-amz-tagging, PutObjectTagging). See RequestObjectTagKey.
	KeyRequestObjectTagPrefix = "s3:RequestObjectTag/"
	// KeyRequestObjectTagKeys lists the keys of the tags sent with the request.
	KeyRequestObjectTagKeys = "s3:RequestObjectTagKeys"

	// Object lock keys, from the request's x-amz-object-lock-* headers (PutObject,
	// CopyObject, CreateMultipartUpload) or its body (PutObjectRetention,
	// PutObjectLegalHold).
	// KeyObjectLockMode is the retention mode asked for: GOVERNANCE or COMPLIANCE.
	KeyObjectLockMode = "s3:object-lock-mode"
	// KeyObjectLockRetainUntilDate is the retention date asked for, RFC 3339.
	KeyObjectLockRetainUntilDate = "s3:object-lock-retain-until-date"
	// KeyObjectLockRemainingRetentionDays is the number of whole days from the
	// request to the retention date asked for.
	KeyObjectLockRemainingRetentionDays = "s3:object-lock-remaining-retention-days"
	// KeyObjectLockLegalHold is the legal hold status asked for: ON or OFF.
	KeyObjectLockLegalHold = "s3:object-lock-legal-hold"
)

// Values of KeyPrincipalType.
const (
	PrincipalTypeUser      = "User"
	PrincipalTypeAccount   = "Account"
	PrincipalTypeAnonymous = "Anonymous"
)

// ExistingObjectTagKey returns the condition key of the object's existing tag tag.
func ExistingObjectTagKey(tag string) string { return KeyExistingObjectTagPrefix + tag }

// RequestObjectTagKey returns the condition key of the tag tag sent with the request.
func RequestObjectTagKey(tag string) string { return KeyRequestObjectTagPrefix + tag }

// keyType says which families of condition operators apply to a key: a bit set.
// Every key takes the string operators and Null.
type keyType uint8

const (
	typeString keyType = 1 << iota
	typeNumeric
	typeDate
	typeBool
	typeIP
)

// canonicalKey returns the canonical spelling and the type of a condition key, or
// false if Cairn does not support it.
func canonicalKey(name string) (string, keyType, bool) {
	for _, p := range [...]string{KeyExistingObjectTagPrefix, KeyRequestObjectTagPrefix} {
		if len(name) >= len(p) && equalFoldASCII(name[:len(p)], p) {
			tag := name[len(p):]
			if tag == "" {
				return "", 0, false
			}
			return p + tag, typeString, true
		}
	}
	switch asciiLower(name) {
	case "aws:sourceip":
		return KeySourceIP, typeString | typeIP, true
	case "aws:securetransport":
		return KeySecureTransport, typeString | typeBool, true
	case "aws:currenttime":
		return KeyCurrentTime, typeString | typeDate, true
	case "aws:epochtime":
		return KeyEpochTime, typeString | typeDate | typeNumeric, true
	case "aws:username":
		return KeyUsername, typeString, true
	case "aws:userid":
		return KeyUserID, typeString, true
	case "aws:principaltype":
		return KeyPrincipalType, typeString, true
	case "aws:useragent":
		return KeyUserAgent, typeString, true
	case "aws:referer":
		return KeyReferer, typeString, true
	case "s3:prefix":
		return KeyPrefix, typeString, true
	case "s3:delimiter":
		return KeyDelimiter, typeString, true
	case "s3:max-keys":
		return KeyMaxKeys, typeString | typeNumeric, true
	case "s3:x-amz-acl":
		return KeyACL, typeString, true
	case "s3:x-amz-content-sha256":
		return KeyContentSHA256, typeString, true
	case "s3:signatureversion":
		return KeySignatureVersion, typeString, true
	case "s3:authtype":
		return KeyAuthType, typeString, true
	case "s3:requestobjecttagkeys":
		return KeyRequestObjectTagKeys, typeString, true
	case "s3:object-lock-mode":
		return KeyObjectLockMode, typeString, true
	case "s3:object-lock-retain-until-date":
		return KeyObjectLockRetainUntilDate, typeString | typeDate, true
	case "s3:object-lock-remaining-retention-days":
		return KeyObjectLockRemainingRetentionDays, typeString | typeNumeric, true
	case "s3:object-lock-legal-hold":
		return KeyObjectLockLegalHold, typeString, true
	}
	return "", 0, false
}

// sameKey reports whether name, a key as a caller spelled it, is the canonical key
// canon: the key name ignoring case, a tag name exactly.
func sameKey(name, canon string) bool {
	if len(name) != len(canon) {
		return false
	}
	for _, p := range [...]string{KeyExistingObjectTagPrefix, KeyRequestObjectTagPrefix} {
		if strings.HasPrefix(canon, p) {
			return equalFoldASCII(name[:len(p)], p) && name[len(p):] == canon[len(p):]
		}
	}
	return equalFoldASCII(name, canon)
}

// equalFoldASCII reports whether a and b are equal ignoring the case of ASCII letters
// only: no Unicode folding, so that no other character stands in for a key's letter.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
