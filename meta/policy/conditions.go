package policy

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// family is what a condition operator compares.
type family uint8

const (
	famString family = iota
	famStringIgnoreCase
	famStringLike
	famNumeric
	famDate
	famBool
	famIP
	famNull
)

// comparison is the relation of a numeric or date operator.
type comparison uint8

const (
	cmpEq comparison = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// setQualifier is the ForAnyValue: or ForAllValues: prefix of an operator.
type setQualifier uint8

const (
	setNone setQualifier = iota
	setAny
	setAll
)

// operator is a parsed condition operator.
type operator struct {
	name     string // canonical spelling, prefix and suffix included
	fam      family
	cmp      comparison
	negate   bool // StringNotEquals, NotIpAddress, ...: true when no value matches
	ifExists bool
	set      setQualifier
}

// baseOperator returns the family, relation and negation of an operator name without
// prefix or suffix, matched case-insensitively, and its canonical spelling.
func baseOperator(name string) (operator, bool) {
	op := func(canon string, fam family, cmp comparison, negate bool) (operator, bool) {
		return operator{name: canon, fam: fam, cmp: cmp, negate: negate}, true
	}
	switch asciiLower(name) {
	case "stringequals":
		return op("StringEquals", famString, cmpEq, false)
	case "stringnotequals":
		return op("StringNotEquals", famString, cmpEq, true)
	case "stringequalsignorecase":
		return op("StringEqualsIgnoreCase", famStringIgnoreCase, cmpEq, false)
	case "stringnotequalsignorecase":
		return op("StringNotEqualsIgnoreCase", famStringIgnoreCase, cmpEq, true)
	case "stringlike":
		return op("StringLike", famStringLike, cmpEq, false)
	case "stringnotlike":
		return op("StringNotLike", famStringLike, cmpEq, true)
	case "numericequals":
		return op("NumericEquals", famNumeric, cmpEq, false)
	case "numericnotequals":
		return op("NumericNotEquals", famNumeric, cmpEq, true)
	case "numericlessthan":
		return op("NumericLessThan", famNumeric, cmpLt, false)
	case "numericlessthanequals":
		return op("NumericLessThanEquals", famNumeric, cmpLe, false)
	case "numericgreaterthan":
		return op("NumericGreaterThan", famNumeric, cmpGt, false)
	case "numericgreaterthanequals":
		return op("NumericGreaterThanEquals", famNumeric, cmpGe, false)
	case "dateequals":
		return op("DateEquals", famDate, cmpEq, false)
	case "datenotequals":
		return op("DateNotEquals", famDate, cmpEq, true)
	case "datelessthan":
		return op("DateLessThan", famDate, cmpLt, false)
	case "datelessthanequals":
		return op("DateLessThanEquals", famDate, cmpLe, false)
	case "dategreaterthan":
		return op("DateGreaterThan", famDate, cmpGt, false)
	case "dategreaterthanequals":
		return op("DateGreaterThanEquals", famDate, cmpGe, false)
	case "bool":
		return op("Bool", famBool, cmpEq, false)
	case "ipaddress":
		return op("IpAddress", famIP, cmpEq, false)
	case "notipaddress":
		return op("NotIpAddress", famIP, cmpEq, true)
	case "null":
		return op("Null", famNull, cmpEq, false)
	}
	return operator{}, false
}

// parseOperator parses a full operator name: an optional ForAnyValue: or ForAllValues:
// prefix, the operator, an optional IfExists suffix. The error is a reason.
func parseOperator(name string) (operator, string) {
	base := name
	set, prefix := setNone, ""
	switch {
	case hasPrefixFold(base, "ForAnyValue:"):
		set, prefix, base = setAny, "ForAnyValue:", base[len("ForAnyValue:"):]
	case hasPrefixFold(base, "ForAllValues:"):
		set, prefix, base = setAll, "ForAllValues:", base[len("ForAllValues:"):]
	}
	ifExists := false
	if len(base) > len("IfExists") && equalFoldASCII(base[len(base)-len("IfExists"):], "IfExists") {
		ifExists, base = true, base[:len(base)-len("IfExists")]
	}
	op, ok := baseOperator(base)
	if !ok {
		return operator{}, "unknown condition operator \"" + name + "\""
	}
	if op.fam == famNull && (ifExists || set != setNone) {
		return operator{}, "Null takes neither IfExists nor a ForAnyValue:/ForAllValues: prefix"
	}
	op.set, op.ifExists = set, ifExists
	op.name = prefix + op.name
	if ifExists {
		op.name += "IfExists"
	}
	return op, ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

// condition is one operator applied to one key: true when the request's values for
// the key satisfy the operator with any of the policy's values.
type condition struct {
	op  operator
	key string // canonical

	strs  []pattern // string families
	nums  []float64
	times []time.Time
	nets  []netip.Prefix
	bools []bool // Bool; and Null: true means "must be absent"
}

// compileCondition builds the condition op applies to key with values. field names
// the element for errors.
func compileCondition(op operator, key string, kt keyType, values []string, variables bool, field string) (condition, error) {
	c := condition{op: op, key: key}
	if len(values) == 0 {
		return c, invalid(field, "needs at least one value")
	}
	if need := familyKeyType(op.fam); kt&need == 0 {
		return c, invalid(field, "%s does not apply to condition key %s", op.name, key)
	}
	for i, v := range values {
		vfield := field + "[" + strconv.Itoa(i) + "]"
		switch op.fam {
		case famString, famStringIgnoreCase, famStringLike:
			if !variables && strings.Contains(v, "${") {
				return c, invalid(vfield, "policy variables need \"Version\": %q", Version2012)
			}
			p, reason := compilePattern(v, patternMode{wildcards: op.fam == famStringLike, variables: variables})
			if reason != "" {
				return c, invalid(vfield, "%s", reason)
			}
			c.strs = append(c.strs, p)
		case famNumeric:
			n, ok := parseNumber(v)
			if !ok {
				return c, invalid(vfield, "%q is not a number", v)
			}
			c.nums = append(c.nums, n)
		case famDate:
			t, ok := parseDate(v)
			if !ok {
				return c, invalid(vfield, "%q is not a date (use ISO 8601, e.g. 2024-05-01T00:00:00Z, or seconds since the epoch)", v)
			}
			c.times = append(c.times, t)
		case famBool, famNull:
			b, ok := parseBool(v)
			if !ok {
				return c, invalid(vfield, "%q is not true or false", v)
			}
			c.bools = append(c.bools, b)
		case famIP:
			p, ok := parsePrefix(v)
			if !ok {
				return c, invalid(vfield, "%q is not an IP address or CIDR block", v)
			}
			c.nets = append(c.nets, p)
		}
	}
	return c, nil
}

// familyKeyType is the key type an operator family needs.
func familyKeyType(f family) keyType {
	switch f {
	case famNumeric:
		return typeNumeric
	case famDate:
		return typeDate
	case famBool:
		return typeBool
	case famIP:
		return typeIP
	}
	return typeString
}

// eval reports whether the condition holds for the request. The rules are AWS's:
//   - Null: "true" holds when the key is absent, "false" when it is present.
//   - Absent key: ...IfExists holds; ForAllValues: holds (vacuously); ForAnyValue:
//     does not; otherwise a negated operator (StringNotEquals, NotIpAddress, ...)
//     holds and a positive one does not.
//   - Present key: a positive operator holds when some request value matches some
//     policy value; a negated one when none does. ForAnyValue: holds when the
//     operator holds for some request value, ForAllValues: when it holds for every one.
func (c *condition) eval(ctx *evalCtx) bool {
	vals, present := ctx.lookup(c.key)
	if c.op.fam == famNull {
		for _, absent := range c.bools {
			if absent != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.op.ifExists:
			return true
		case c.op.set == setAll:
			return true
		case c.op.set == setAny:
			return false
		}
		return c.op.negate
	}
	switch c.op.set {
	case setAny:
		for _, v := range vals {
			if c.matchOne(v, ctx) != c.op.negate {
				return true
			}
		}
		return false
	case setAll:
		for _, v := range vals {
			if c.matchOne(v, ctx) == c.op.negate {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matchOne(v, ctx) {
			return !c.op.negate
		}
	}
	return c.op.negate
}

// matchOne reports whether the request value v matches any of the policy's values
// under the positive form of the operator. A request value that does not parse as the
// operator's type (a number, a date, an address, a boolean) matches none.
func (c *condition) matchOne(v string, ctx *evalCtx) bool {
	switch c.op.fam {
	case famString, famStringLike:
		for i := range c.strs {
			if c.strs[i].match(v, ctx) {
				return true
			}
		}
	case famStringIgnoreCase:
		for i := range c.strs {
			if want, ok := c.strs[i].expand(ctx); ok && strings.EqualFold(v, want) {
				return true
			}
		}
	case famNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, want := range c.nums {
			if compare(cmp3(n, want), c.op.cmp) {
				return true
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, want := range c.times {
			if compare(t.Compare(want), c.op.cmp) {
				return true
			}
		}
	case famBool:
		b, ok := parseBool(v)
		if !ok {
			return false
		}
		for _, want := range c.bools {
			if b == want {
				return true
			}
		}
	case famIP:
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		addr = addr.WithZone("").Unmap()
		for _, n := range c.nets {
			if n.Contains(addr) {
				return true
			}
		}
	}
	return false
}

// cmp3 compares two numbers: -1, 0 or +1.
func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare turns a three-way comparison of request and policy values into the result
// of the relation.
func compare(c int, rel comparison) bool {
	switch rel {
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return c == 0
}

// parseNumber parses an integer or a decimal number; NaN and infinities are refused.
func parseNumber(s string) (float64, bool) {
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// parseDate parses an ISO 8601 date and time, or a number of seconds since the epoch.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	// The ISO 8601 forms a date may take, in a policy or a request.
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02",
		"20060102T150405Z",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseBool parses "true" or "false", in any case.
func parseBool(s string) (bool, bool) {
	switch {
	case equalFoldASCII(s, "true"):
		return true, true
	case equalFoldASCII(s, "false"):
		return false, true
	}
	return false, false
}

// parsePrefix parses a CIDR block or a bare address (a /32 or /128). An IPv4-mapped
// IPv6 block becomes the IPv4 block, as request addresses are unmapped.
func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	p, err := netip.ParsePrefix(s)
	if err != nil {
		addr, err := netip.ParseAddr(s)
		if err != nil || addr.Zone() != "" {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(addr, addr.BitLen())
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}
