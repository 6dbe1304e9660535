package management

import (
	"context"
	"log/slog"
	"time"
)

// undoTimeout bounds the whole rollback of a failed multi-step call.
const undoTimeout = 30 * time.Second

// undo collects the steps that reverse a multi-step call's completed steps, so that
// a call that fails half-way leaves nothing behind.
type undo []func(context.Context) error

// add records the step that reverses the step just completed.
func (u *undo) add(step func(context.Context) error) { *u = append(*u, step) }

// run reverses the completed steps, newest first, even if the request's context has
// ended (a client that hung up must not leave a half-made bucket). A step that fails
// is logged and the others still run.
func (u undo) run(ctx context.Context, log *slog.Logger, what string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	for i := len(u) - 1; i >= 0; i-- {
		if err := u[i](ctx); err != nil {
			log.Error("rolling back a failed call left something behind", "call", what, "step", i, "error", err)
		}
	}
}
