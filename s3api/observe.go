package s3api

import "github.com/labstack/echo/v4"

// errCodeKey is the echo context key under which renderError records the S3 error
// code it sent.
const errCodeKey = "s3.errorCode"

// ActionName returns the S3 operation a request was resolved to, e.g. "GetObject",
// or "" when it could not be resolved (a malformed URI, a method no operation
// takes). It is meant for middleware in Config.Middleware, after the handler ran.
func ActionName(c echo.Context) string {
	if r, ok := c.Get(reqKey).(*request); ok && r.action != nil {
		return r.action.Name
	}
	return ""
}

// ErrorCode returns the S3 error code sent in reply to a request, e.g. "NoSuchKey",
// or "" if the request succeeded. It is set once the error has been rendered: a
// middleware in Config.Middleware that gets an error from the next handler calls
// c.Error(err) first.
func ErrorCode(c echo.Context) string {
	code, _ := c.Get(errCodeKey).(string)
	return code
}

// BucketName returns the bucket a request named, or "" when it named none (a list
// of buckets) or could not be resolved. The bucket need not exist. It is meant for
// middleware in Config.Middleware, after the handler ran.
func BucketName(c echo.Context) string {
	if r, ok := c.Get(reqKey).(*request); ok {
		return r.bucket
	}
	return ""
}
