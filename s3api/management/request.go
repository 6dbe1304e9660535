package management

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// maxBody bounds a request body, in bytes: the largest valid body (50 tags) is a few
// KiB.
const maxBody = 64 << 10

// bind decodes the JSON body into v: one JSON value, no unknown field (a misspelt
// field is an error, not silently ignored), at most maxBody bytes.
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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(BadRequest, "The request body is not valid JSON for this call: %v.", err)
	}
	if dec.More() {
		return errorf(BadRequest, "The request body holds more than one JSON value.")
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
