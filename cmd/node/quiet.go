package node

import (
	"context"
	"log/slog"
)

// quietComponent returns a handler that logs the records of one component (the
// "component" attribute given to Logger.With) below slog.LevelError at debug level,
// and everything else as h does. A single node uses it for Raft, whose start-up
// (follower, heartbeat timeout, election, leader) is routine when the node is alone
// and would otherwise fill the operator's screen before the banner.
func quietComponent(h slog.Handler, component string) slog.Handler {
	return &quietHandler{inner: h, component: component}
}

type quietHandler struct {
	inner     slog.Handler
	component string
	quiet     bool // this handler's attributes name the component
}

func (q *quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if q.quiet && l < slog.LevelError {
		l = slog.LevelDebug
	}
	return q.inner.Enabled(ctx, l)
}

func (q *quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if q.quiet && r.Level < slog.LevelError {
		r.Level = slog.LevelDebug
	}
	return q.inner.Handle(ctx, r)
}

func (q *quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	quiet := q.quiet
	for _, a := range attrs {
		if a.Key == "component" {
			quiet = a.Value.String() == q.component
		}
	}
	return &quietHandler{inner: q.inner.WithAttrs(attrs), component: q.component, quiet: quiet}
}

func (q *quietHandler) WithGroup(name string) slog.Handler {
	return &quietHandler{inner: q.inner.WithGroup(name), component: q.component, quiet: q.quiet}
}
