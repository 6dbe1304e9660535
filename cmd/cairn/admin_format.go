package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Formatting helpers of the `cairn admin` tables.

// rows prints name/value pairs as two tab-separated columns.
func rows(w io.Writer, pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(w, "%s:\t%s\n", pairs[i], pairs[i+1])
	}
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// joinOrDash joins s with commas, or is "-" when empty.
func joinOrDash(s []string) string { return orDash(strings.Join(s, ", ")) }

// uintsOrDash joins numbers with commas, or is "-" when empty.
func uintsOrDash(v []uint64) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return joinOrDash(s)
}

// sorted returns s sorted.
func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// timeOrDash formats t in RFC 3339, or "-" when nil.
func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// bytesOf formats a byte count with a binary unit: "1.5 GiB".
func bytesOf(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// countOf formats a count, "-" when unknown (negative).
func countOf(n int64) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// uptime formats seconds as a rounded duration, "-" for none.
func uptime(seconds int64) string {
	if seconds <= 0 {
		return "-"
	}
	d := time.Duration(seconds) * time.Second
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), (d%(24*time.Hour))/time.Hour)
	case d >= time.Hour:
		return d.Truncate(time.Minute).String()
	}
	return d.String()
}
