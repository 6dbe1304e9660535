package s3api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// continueEmptyBody answers "Expect: 100-continue" at once for a request with an empty
// body. Go's server sends 100 Continue only when a handler reads the body, so an empty
// body never gets one; clients then wait for it (botocore before 1.43.77 stalls its
// connection for its full read timeout after such a PUT). A server may always send
// 100 Continue to a request that asks for it (RFC 9110, 10.1.1).
func continueEmptyBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			c.Response().Writer.WriteHeader(http.StatusContinue)
		}
		return next(c)
	}
}
