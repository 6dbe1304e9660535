package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// The end of a decommission: once the layouts in use no longer hold this node
// (meta.Meta.Left), its data lives on the other nodes and whatever it accepted now
// would be written where no one reads. It refuses every S3 request with 503 and
// tells the operator, once, to stop it.

// leftMessage is the message of the 503 a node that has left answers.
const leftMessage = "This node has left the cluster (it was decommissioned); send requests to another node."

// refuseOnceLeft is S3 middleware that answers every request with 503
// ServiceUnavailable once this node has left the cluster.
func (n *Node) refuseOnceLeft(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if n.cl == nil || !n.meta.Left() {
			return next(c)
		}
		// Outside the S3 API's own middleware, which sets the request id.
		h := c.Response().Header()
		if h.Get("x-amz-request-id") == "" {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id := strings.ToUpper(hex.EncodeToString(b[:]))
			h.Set("x-amz-request-id", id)
			h.Set("x-amz-id-2", id)
		}
		return s3err.Newf(s3err.ServiceUnavailable, leftMessage)
	}
}

// watchLeft waits until this node has left the cluster and then logs, once, that
// the operator should stop it.
func (n *Node) watchLeft(ctx context.Context) {
	if !n.meta.WaitLeft(ctx) {
		return
	}
	n.log.Warn("this node has left the cluster: its data has moved to the other nodes and it refuses S3 requests (503); stop it and remove its data directory",
		"component", "node", "node_id", n.cfg.NodeID, "data_dir", n.cfg.DataDir)
}
