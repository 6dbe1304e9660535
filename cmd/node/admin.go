package node

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// adminHandler serves the admin address: for now the health endpoints, which answer
// without authentication so load balancers and orchestrators can probe them.
func (n *Node) adminHandler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/health/live", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/health/ready", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := n.meta.WaitReady(ctx); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "no raft leader"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	return e
}
