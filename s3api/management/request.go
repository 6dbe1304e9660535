package management

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/gate"
)

// maxBody bounds a request body, in bytes: the largest valid body (50 tags) is a few
// KiB.
const maxBody = 64 << 10

// bind decodes the JSON body into v with gate.DecodeJSON: one JSON value, no unknown
// field (a misspelt field is an error, not silently ignored), no key twice, at most
// maxBody bytes. The management API authenticates with a token, not a signature, so
// there is no signed hash to check the body against.
func bind(c echo.Context, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return newError(TooLarge)
	case err != nil:
		return errorf(BadRequest, "The request body could not be read.")
	case len(bytes.TrimSpace(body)) == 0:
		return errorf(BadRequest, "A JSON request body is required.")
	}
	if err := gate.DecodeJSON(body, v); err != nil {
		return errorf(BadRequest, "The request body is not valid JSON for this call: %v.", err)
	}
	return nil
}

// param returns a path parameter, unescaped.
func param(c echo.Context, name string) (string, error) {
	v, err := url.PathUnescape(c.Param(name))
	if err != nil || !utf8.ValidString(v) {
		return "", errorf(BadRequest, "The %s in the path is not validly escaped.", name)
	}
	return v, nil
}
