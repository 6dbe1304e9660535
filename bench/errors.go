package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Codes for failures that are not S3 errors. S3 errors are counted under their
// own code (NoSuchKey, SlowDown, InternalError, ...).
const (
	// CodeSizeMismatch: a GET body or a HEAD Content-Length differs from the size
	// that was uploaded.
	CodeSizeMismatch = "SizeMismatch"
	// CodeChecksumMismatch: a GET body's SHA-256 differs from what was uploaded,
	// or the SDK's own response checksum validation failed.
	CodeChecksumMismatch = "ChecksumMismatch"
	// CodeListMismatch: a LIST page did not return the keys the prepared set holds.
	CodeListMismatch = "ListMismatch"
	// CodeNetwork: the connection failed (refused, reset, timed out).
	CodeNetwork = "NetworkError"
	// CodeCanceled: the request's context was canceled.
	CodeCanceled = "Canceled"
	// CodeTimeout: the request's context deadline passed.
	CodeTimeout = "Timeout"
	// CodeClient: any other client-side failure.
	CodeClient = "ClientError"
)

// maxErrorSample bounds the error message kept per code.
const maxErrorSample = 300

// errorCode classifies err: the S3 error code when the service answered with
// one, the HTTP status as "HTTP503" when it answered without one, otherwise one
// of the harness's own codes. msg is the error's text, shortened.
func errorCode(err error) (code, msg string) {
	msg = err.Error()
	if len(msg) > maxErrorSample {
		msg = msg[:maxErrorSample] + "…"
	}
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return CodeCanceled, msg
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout, msg
	case errors.As(err, &apiErr) && apiErr.ErrorCode() != "":
		return apiErr.ErrorCode(), msg
	case errors.As(err, &respErr):
		return fmt.Sprintf("HTTP%d", respErr.HTTPStatusCode()), msg
	case strings.Contains(msg, "checksum did not match"):
		return CodeChecksumMismatch, msg
	case errors.As(err, &netErr):
		return CodeNetwork, msg
	}
	return CodeClient, msg
}
