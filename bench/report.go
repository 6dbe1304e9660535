package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteJSON writes the whole result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the human-readable report: a header, one table row per
// operation (a compare table in compare mode), the errors by code and a verdict.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cairn bench %s: %s\n", r.Workload, r.describe())
	for _, t := range r.Targets {
		fmt.Fprintf(&b, "%s%s (credentials: %s), bucket %s\n", labelPrefix(t.Label), strings.Join(t.Endpoints, ", "), t.Credentials, t.Bucket)
		fmt.Fprintf(&b, "%s%s\n", labelPrefix(t.Label), windowNote(t))
	}
	b.WriteByte('\n')

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	if len(r.Targets) == 2 {
		writeCompareRows(tw, r, "\t", "")
	} else if len(r.Targets) == 1 {
		writeStatRows(tw, r.Targets[0], "\t", "")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteByte('\n')
	writeErrors(&b, r, "")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as a Markdown section: a heading, the command,
// the table and the errors, for docs/benchmarks.md.
func (r *Result) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s: %s\n\n", r.Workload, r.describe())
	if r.Command != "" {
		fmt.Fprintf(&b, "```\n%s\n```\n\n", r.Command)
	}
	for _, t := range r.Targets {
		fmt.Fprintf(&b, "- %s%s, %s\n", labelPrefix(t.Label), strings.Join(t.Endpoints, ", "), windowNote(t))
	}
	b.WriteByte('\n')
	if len(r.Targets) == 2 {
		b.WriteString("| op | figure | A | B | B/A |\n|---|---|---:|---:|---:|\n")
		writeCompareRows(&b, r, " | ", "| ")
	} else if len(r.Targets) == 1 {
		b.WriteString("| op | ops/s | MiB/s | p50 | p90 | p99 | p99.9 | max | ok | failed |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		writeStatRows(&b, r.Targets[0], " | ", "| ")
	}
	b.WriteByte('\n')
	writeErrors(&b, r, "- ")
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// describe summarizes the options: workers, sizes, length.
func (r *Result) describe() string {
	parts := []string{fmt.Sprintf("%d workers", r.Concurrency), "size " + r.Size.String()}
	if r.Duration > 0 {
		parts = append(parts, r.Duration.String())
	} else {
		parts = append(parts, fmt.Sprintf("%d ops", r.Ops))
	}
	if r.Objects > 0 {
		parts = append(parts, fmt.Sprintf("%d objects prepared", r.Objects))
	}
	if r.PartSize > 0 {
		parts = append(parts, fmt.Sprintf("parts of %s, %d at a time", FormatSize(r.PartSize), r.PartConcurrency))
	}
	if r.Mix != nil {
		parts = append(parts, "mix "+r.Mix.String())
	}
	if r.Warmup > 0 {
		parts = append(parts, "warm-up "+r.Warmup.String())
	}
	if r.Rounds > 0 {
		parts = append(parts, fmt.Sprintf("%d rounds each", r.Rounds))
	}
	return strings.Join(parts, ", ")
}

func windowNote(t TargetResult) string {
	return fmt.Sprintf("measured window %s of %s", fmtDur(t.Window), fmtDur(t.Span))
}

// writeStatRows writes the header (text only) and one row per operation; sep
// separates cells and lead starts a row (Markdown needs "| ").
func writeStatRows(w io.Writer, t TargetResult, sep, lead string) {
	markdown := lead != ""
	end := sep
	if markdown {
		end = " |"
	}
	row := func(cells ...string) {
		fmt.Fprint(w, lead+strings.Join(cells, sep)+end+"\n")
	}
	if !markdown {
		row("OP", "OPS/S", "MIB/S", "P50", "P90", "P99", "P99.9", "MAX", "OK", "FAILED")
	}
	lat := func(l Latency) []string {
		if l.Count == 0 {
			return []string{"-", "-", "-", "-", "-"}
		}
		return []string{fmtDur(l.P50), fmtDur(l.P90), fmtDur(l.P99), fmtDur(l.P999), fmtDur(l.Max)}
	}
	for _, op := range t.Ops {
		cells := append([]string{op.Op, fmt.Sprintf("%.1f", op.OpsPerSec), fmtMiB(op)}, lat(op.Latency)...)
		row(append(cells, fmt.Sprint(op.Succeeded), fmt.Sprint(op.Failed))...)
		if op.TTFB != nil {
			row(append(append([]string{op.Op + " ttfb", "", ""}, lat(*op.TTFB)...), "", "")...)
		}
	}
	if len(t.Ops) > 1 {
		tot := t.Total
		cells := []string{"TOTAL", fmt.Sprintf("%.1f", tot.OpsPerSec), fmtMiB(tot), "", "", "", "", ""}
		row(append(cells, fmt.Sprint(tot.Succeeded), fmt.Sprint(tot.Failed))...)
	}
}

func fmtMiB(op OpStats) string {
	if op.Bytes == 0 && op.BytesPerSec == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", op.MiBPerSec)
}

// writeCompareRows writes one row per figure: A, B and B/A.
func writeCompareRows(w io.Writer, r *Result, sep, lead string) {
	markdown := lead != ""
	end := sep
	if markdown {
		end = " |"
	}
	row := func(cells ...string) {
		fmt.Fprint(w, lead+strings.Join(cells, sep)+end+"\n")
	}
	if !markdown {
		row("OP", "FIGURE", "A", "B", "B/A")
	}
	for _, x := range r.Ratios {
		var a, b string
		switch x.Figure {
		case "ops/s":
			a, b = fmt.Sprintf("%.1f", x.A), fmt.Sprintf("%.1f", x.B)
		case "MiB/s":
			a, b = fmt.Sprintf("%.2f", x.A), fmt.Sprintf("%.2f", x.B)
		default:
			a, b = fmtDur(time.Duration(x.A)), fmtDur(time.Duration(x.B))
		}
		ratio := "-"
		if x.A != 0 {
			ratio = fmt.Sprintf("%.3f", x.Ratio)
		}
		row(x.Op, x.Figure, a, b, ratio)
	}
	for _, t := range r.Targets {
		row(labelPrefix(t.Label)+"ok/failed", "", fmt.Sprintf("%d/%d", t.Total.Succeeded, t.Total.Failed), "", "")
	}
}

// writeErrors lists failures by operation and code, then warnings and the
// verdict, each line starting with bullet.
func writeErrors(b *strings.Builder, r *Result, bullet string) {
	for _, t := range r.Targets {
		for _, op := range t.Ops {
			for _, code := range slices.Sorted(maps.Keys(op.Errors)) {
				fmt.Fprintf(b, "%serror: %s%s %s ×%d: %s\n", bullet, labelPrefix(t.Label), op.Op, code, op.Errors[code], op.ErrorSamples[code])
			}
		}
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(b, "%swarning: %s\n", bullet, w)
	}
	if err := r.Err(); err != nil {
		fmt.Fprintf(b, "%sFAILED: %v\n", bullet, err)
	} else {
		b.WriteString(bullet + "OK: no errors\n")
	}
}

// fmtDur formats a latency with three significant figures.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
