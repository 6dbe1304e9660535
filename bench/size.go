package bench

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Byte-size units.
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
	TiB int64 = 1 << 40
)

// SizeRange is an object size: fixed when Min == Max, otherwise drawn uniformly at
// random from [Min, Max] for every object.
type SizeRange struct {
	// Min is the smallest size in bytes.
	Min int64 `json:"min"`
	// Max is the largest size in bytes.
	Max int64 `json:"max"`
}

// Fixed reports whether every object has the same size.
func (r SizeRange) Fixed() bool { return r.Min == r.Max }

// IsZero reports whether the range is unset.
func (r SizeRange) IsZero() bool { return r.Min == 0 && r.Max == 0 }

// String formats the range as ParseSizeRange accepts it, e.g. "4KiB" or "1KiB-1MiB".
func (r SizeRange) String() string {
	if r.Fixed() {
		return FormatSize(r.Min)
	}
	return FormatSize(r.Min) + "-" + FormatSize(r.Max)
}

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": KiB, "kib": KiB, "kb": 1000,
	"m": MiB, "mib": MiB, "mb": 1000 * 1000,
	"g": GiB, "gib": GiB, "gb": 1000 * 1000 * 1000,
	"t": TiB, "tib": TiB, "tb": 1000 * 1000 * 1000 * 1000,
}

// ParseSize parses a byte size such as "4096", "4KiB", "16MiB", "1.5GiB" or "10MB".
// IEC units (KiB, MiB, GiB, TiB) and the bare letters K, M, G, T are powers of 1024;
// SI units (KB, MB, GB, TB) are powers of 1000. Units are case-insensitive.
func ParseSize(s string) (int64, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty size")
	}
	i := 0
	for i < len(in) && (in[i] >= '0' && in[i] <= '9' || in[i] == '.') {
		i++
	}
	num, unit := in[:i], strings.ToLower(strings.TrimSpace(in[i:]))
	if num == "" {
		return 0, fmt.Errorf("size %q: no number (want e.g. 4KiB, 16MiB, 1000)", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)", s, in[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: bad number %q", s, num)
	}
	b := v * float64(mult)
	if b > math.MaxInt64/2 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	if b != math.Trunc(b) {
		return 0, fmt.Errorf("size %q: not a whole number of bytes", s)
	}
	return int64(b), nil
}

// ParseSizeRange parses a fixed size ("4KiB") or a range ("1KiB-1MiB"), whose
// objects get sizes drawn uniformly from the closed range.
func ParseSizeRange(s string) (SizeRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		n, err := ParseSize(s)
		if err != nil {
			return SizeRange{}, err
		}
		return SizeRange{Min: n, Max: n}, nil
	}
	lower, err := ParseSize(lo)
	if err != nil {
		return SizeRange{}, fmt.Errorf("size range %q: %w", s, err)
	}
	upper, err := ParseSize(hi)
	if err != nil {
		return SizeRange{}, fmt.Errorf("size range %q: %w", s, err)
	}
	if lower > upper {
		return SizeRange{}, fmt.Errorf("size range %q: minimum is larger than maximum", s)
	}
	return SizeRange{Min: lower, Max: upper}, nil
}

// FormatSize formats a byte count with the largest IEC unit that divides it
// exactly ("4KiB", "16MiB", "1000"), so the result parses back to the same value.
func FormatSize(n int64) string {
	units := []struct {
		name string
		size int64
	}{{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}}
	for _, u := range units {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// humanBytes formats a byte count approximately, for progress lines and tables.
func humanBytes(n float64) string {
	switch {
	case n >= float64(GiB):
		return fmt.Sprintf("%.2f GiB", n/float64(GiB))
	case n >= float64(MiB):
		return fmt.Sprintf("%.2f MiB", n/float64(MiB))
	case n >= float64(KiB):
		return fmt.Sprintf("%.2f KiB", n/float64(KiB))
	}
	return fmt.Sprintf("%.0f B", n)
}
