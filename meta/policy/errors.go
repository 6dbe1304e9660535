package policy

import (
	"fmt"
	"strings"
)

// ValidationError is the error of every Parse function and of New: the document is
// not a valid policy. Field names the offending element as a path into the document,
// e.g. "Statement[1].Condition.StringLike.s3:prefix"; it is empty when the document as
// a whole is at fault (malformed JSON, too large). The S3 API answers MalformedPolicy
// with Error() as the message; the admin API answers 400.
type ValidationError struct {
	// Field is the path of the offending element, or "" for the whole document.
	Field string
	// Reason says what is wrong, in words meant for the policy's author.
	Reason string
}

// Error returns "policy: FIELD: REASON" (or "policy: REASON" without a field).
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("policy: ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// invalid builds a *ValidationError.
func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
