// Package jsonkeys finds a key that appears twice in one JSON object. encoding/json
// keeps the last of them silently, and other parsers may keep the first, so a
// document with duplicates can mean one thing to whoever checked it and another to
// whoever acts on it: policies and API bodies refuse them.
package jsonkeys

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// Duplicate returns a key that appears twice in one object of data, and true; "" and
// false when there is none. With fold, keys that differ only in case count as the
// same (encoding/json maps them to one struct field). An error when data is not JSON.
func Duplicate(data []byte, fold bool) (string, bool, error) {
	type frame struct {
		object    bool
		expectKey bool
		keys      map[string]struct{}
	}
	var stack []*frame
	value := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) > 0 {
				return "", false, io.ErrUnexpectedEOF
			}
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{object: true, expectKey: true, keys: map[string]struct{}{}})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				value()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
				top, k := stack[n-1], t
				if fold {
					k = strings.ToLower(t)
				}
				if _, dup := top.keys[k]; dup {
					return t, true, nil
				}
				top.keys[k] = struct{}{}
				top.expectKey = false
				continue
			}
			value()
		default:
			value()
		}
	}
}
