package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the registry in the Prometheus text (or OpenMetrics) format. With a
// non-empty token, a scrape must send "Authorization: Bearer <token>" (Prometheus's
// authorization / bearer_token settings); others get 401. With an empty token the
// metrics are open to whoever reaches the admin address.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		// Comparing digests keeps the comparison constant-time whatever the length.
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cairn metrics"`)
			http.Error(w, "a bearer token is required for /metrics", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
