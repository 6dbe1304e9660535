package jsonkeys

import "testing"

func TestDuplicate(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		fold bool
		key  string
	}{
		{`{"a":1,"b":2}`, false, ""},
		{`{"a":1,"a":2}`, false, "a"},
		{`{"a":1,"A":2}`, false, ""},
		{`{"a":1,"A":2}`, true, "A"},
		{`{"x":{"a":1,"a":2}}`, false, "a"},
		{`[{"a":1},{"a":2}]`, false, ""},
		{`{"l":[{"a":1,"a":2}]}`, false, "a"},
		{`{"a":{"a":{"a":1}}}`, false, ""},
		{`{"a":[1,2],"b":"a","a":3}`, false, "a"},
	} {
		key, dup, err := Duplicate([]byte(tc.doc), tc.fold)
		if err != nil || key != tc.key || dup != (tc.key != "") {
			t.Errorf("%s fold=%v: %q %v %v, want %q", tc.doc, tc.fold, key, dup, err, tc.key)
		}
	}
	if _, _, err := Duplicate([]byte(`{"a":`), false); err == nil {
		t.Error("malformed JSON: no error")
	}
}
