package management

import (
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// ping answers "pong": the API is up (it does not check the cluster; the admin
// address's /health/ready does).
func (s *Server) ping(c echo.Context) error {
	return c.String(http.StatusOK, "pong")
}

// versionInfo answers GET /v1/s3/version, with the reference API's field names.
type versionInfo struct {
	Version    string `json:"version"`
	GitHash    string `json:"githash"`
	BuildStamp string `json:"buildstamp"`
}

// version answers the software version and, when the build recorded them, the
// commit and its time.
func (s *Server) version(c echo.Context) error {
	out := versionInfo{Version: s.cfg.Version}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				out.GitHash = kv.Value
			case "vcs.time":
				out.BuildStamp = kv.Value
			}
		}
	}
	return c.JSON(http.StatusOK, out)
}

// buildVersion is the main module's version from the build information, or "dev".
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// metrics serves the node's metrics handler, if there is one.
func (s *Server) metrics(c echo.Context) error {
	if s.cfg.Metrics == nil {
		return errorf(NotFound, "This node serves no metrics.")
	}
	s.cfg.Metrics.ServeHTTP(c.Response(), c.Request())
	return nil
}
