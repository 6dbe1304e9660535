package s3api

import (
	"strconv"
	"strings"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// byteRange is a resolved, satisfiable range of an object: [start, start+length).
type byteRange struct {
	start, length int64
}

// parseRange resolves a Range header against an object of the given size. It returns
// nil for no header or one S3 ignores (malformed, several ranges), and InvalidRange for
// a range that cannot be satisfied.
func parseRange(header string, size int64) (*byteRange, error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if header == "" || !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	unsatisfiable := s3err.New(s3err.InvalidRange).With("RangeRequested", header).With("ActualObjectSize", itoa(size))
	if first == "" { // suffix range: the last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, unsatisfiable
		}
		n = min(n, size)
		return &byteRange{size - n, n}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return nil, nil
		}
		end = min(end, size-1)
	}
	if start >= size {
		return nil, unsatisfiable
	}
	return &byteRange{start, end - start + 1}, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
