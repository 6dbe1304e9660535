package console

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/admin"
)

// chart is one drawn chart.
type chart struct {
	Title string
	Unit  string
	SVG   template.HTML
	Names []string
}

// metricsView is the metrics page.
type metricsView struct {
	Charts []chart
	Nodes  []admin.Node
	Error  string
	Span   string
	Every  string
}

// metricsPage draws request rates, errors, latencies and bytes by operation class
// from this node's recent history, and disk use per node (the admin API's nodes).
// The history is the node's own, not an S3 or admin API answer, so the page is shown
// only to a user whose policies allow admin:GetMetrics on the cluster, by the gate's
// evaluation.
func (c *Console) metricsPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if !c.allowed(r, s, policy.AdminGetMetrics, "", policy.AdminARN("cluster")) {
		c.fail(w, r, http.StatusForbidden, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %q", s.user, policy.AdminGetMetrics, policy.AdminARN("cluster")))
		return
	}
	v := metricsView{}
	if h := c.history; h != nil {
		v.Every, v.Span = h.every.String(), (time.Duration(h.keep-1) * h.every).String()
		rate := func(get func(sample) map[string]float64) func(prev, cur sample, class string) float64 {
			return func(prev, cur sample, class string) float64 {
				return perSecond(get(prev)[class], get(cur)[class], cur.at.Sub(prev.at))
			}
		}
		latency := func(prev, cur sample, class string) float64 {
			n := cur.latCount[class] - prev.latCount[class]
			if n <= 0 {
				return 0
			}
			return 1000 * (cur.latSum[class] - prev.latSum[class]) / n
		}
		bytes := func(prev, cur sample, class string) float64 {
			dt := cur.at.Sub(prev.at)
			if class == "received" {
				return perSecond(prev.received, cur.received, dt)
			}
			return perSecond(prev.sent, cur.sent, dt)
		}
		v.Charts = []chart{
			drawChart("Requests", "per second", h.rates(rate(func(s sample) map[string]float64 { return s.requests }), opClasses)),
			drawChart("Errors (4xx and 5xx)", "per second", h.rates(rate(func(s sample) map[string]float64 { return s.errors }), opClasses)),
			drawChart("Mean latency", "ms", h.rates(latency, opClasses)),
			drawChart("Bytes", "bytes per second", h.rates(bytes, []string{"received", "sent"})),
		}
	}
	nodes, err := c.adminClient(r, s.accessKey, s.secret).Nodes(r.Context())
	if err != nil {
		v.Error = errText(err)
	}
	v.Nodes = nodes
	c.render(w, r, http.StatusOK, "metrics", v)
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 640.0, 200.0
	padL, padB     = 56.0, 22.0
)

// drawChart draws series as an SVG line chart: one polyline per series (coloured by
// class through the stylesheet, so the theme applies), the maximum on the y axis and
// the time span on the x axis. Only numbers and fixed names go into the markup.
func drawChart(title, unit string, ss []series) chart {
	maxV := 0.0
	var first, last time.Time
	for _, s := range ss {
		for _, p := range s.Points {
			maxV = math.Max(maxV, p.Value)
			if first.IsZero() || p.At.Before(first) {
				first = p.At
			}
			if p.At.After(last) {
				last = p.At
			}
		}
	}
	top := niceCeil(maxV)
	span := last.Sub(first)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, chartW, chartH, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<line class="axis" x1="%.0f" y1="0" x2="%.0f" y2="%.0f"/><line class="axis" x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f"/>`,
		padL, padL, chartH-padB, padL, chartH-padB, chartW, chartH-padB)
	fmt.Fprintf(&b, `<text class="label" x="%.0f" y="12" text-anchor="end">%s</text><text class="label" x="%.0f" y="%.0f" text-anchor="end">0</text>`,
		padL-4, compact(top), padL-4, chartH-padB)
	fmt.Fprintf(&b, `<text class="label" x="%.0f" y="%.0f">-%s</text><text class="label" x="%.0f" y="%.0f" text-anchor="end">now</text>`,
		padL, chartH-4, span.Round(time.Second), chartW, chartH-4)
	for i, s := range ss {
		if len(s.Points) == 0 {
			continue
		}
		var pts []string
		for _, p := range s.Points {
			x := padL
			if span > 0 {
				x += (chartW - padL) * float64(p.At.Sub(first)) / float64(span)
			}
			y := chartH - padB
			if top > 0 {
				y -= (chartH - padB - 4) * p.Value / top
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&b, `<polyline class="s%d" fill="none" points="%s"/>`, i, strings.Join(pts, " "))
	}
	b.WriteString(`</svg>`)
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return chart{Title: title, Unit: unit, SVG: template.HTML(b.String()), Names: names}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (0 stays 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// compact formats a number briefly: 1.5k, 20M.
func compact(v float64) string {
	for _, u := range []struct {
		div float64
		suf string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= u.div {
			return fmt.Sprintf("%g%s", math.Round(v/u.div*10)/10, u.suf)
		}
	}
	return fmt.Sprintf("%g", math.Round(v*100)/100)
}
