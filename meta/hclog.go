package meta

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/cairnstore/cairn/cluster/peerlog"
)

// hclogAdapter is raft's hclog.Logger on top of a *slog.Logger, so that raft logs
// through the process's one slog handler (component "raft"). Named loggers add a
// "subsystem" attribute. SetLevel can only raise the handler's threshold.
type hclogAdapter struct {
	base    *slog.Logger // without the subsystem attribute
	logger  *slog.Logger // base with the subsystem attribute, if named
	name    string
	implied []any
	level   *atomic.Int32 // an hclog.Level set by SetLevel; shared with derived loggers
	// limit holds back repeats of a warning or error about one peer (see peerKey);
	// shared with derived loggers.
	limit *peerlog.Limiter
}

var _ hclog.Logger = (*hclogAdapter)(nil)

func newHCLogger(l *slog.Logger) *hclogAdapter {
	return &hclogAdapter{base: l, logger: l, level: new(atomic.Int32), limit: peerlog.New(peerlog.DefaultInterval)}
}

// slogLevel maps an hclog level to slog's; Trace sits below Debug.
func slogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error, hclog.Off:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (a *hclogAdapter) enabled(l hclog.Level) bool {
	if l == hclog.Off {
		return false
	}
	if floor := hclog.Level(a.level.Load()); floor != hclog.NoLevel && l < floor {
		return false
	}
	return a.logger.Enabled(context.Background(), slogLevel(l))
}

func (a *hclogAdapter) Log(l hclog.Level, msg string, args ...any) {
	if l == hclog.NoLevel {
		l = hclog.Info
	}
	if !a.enabled(l) {
		return
	}
	if key, ok := peerKey(l, msg, args); ok {
		allowed, repeated := a.limit.Allow(key)
		if !allowed {
			return
		}
		if repeated > 0 {
			args = append(slices.Clone(args), "repeated", repeated)
		}
	}
	a.logger.Log(context.Background(), slogLevel(l), msg, formatArgs(args)...)
}

// peerKey names a warning or error about one peer ("failed to heartbeat to",
// "failed to appendEntries to", "failed to contact", "failed to make requestVote
// RPC"; raft names the peer "peer", "server-id" or "target"): raft repeats them every
// few hundred milliseconds, or every election, while the peer is down, so each kind
// is logged once and then once a minute with the count held back.
func peerKey(l hclog.Level, msg string, args []any) (string, bool) {
	if l < hclog.Warn {
		return "", false
	}
	for i := 0; i+1 < len(args); i += 2 {
		if k, _ := args[i].(string); k == "peer" || k == "server-id" || k == "target" {
			return msg + "\x00" + fmt.Sprint(args[i+1]), true
		}
	}
	return "", false
}

// formatArgs renders the values hclog formats itself (hclog.Fmt and friends), which
// slog would print as raw slices or numbers.
func formatArgs(args []any) []any {
	var out []any
	for i, v := range args {
		var s string
		switch v := v.(type) {
		case hclog.Format:
			if len(v) == 0 {
				continue
			}
			format, _ := v[0].(string)
			s = fmt.Sprintf(format, v[1:]...)
		case hclog.Hex:
			s = fmt.Sprintf("0x%x", int(v))
		case hclog.Octal:
			s = fmt.Sprintf("0%o", int(v))
		case hclog.Binary:
			s = fmt.Sprintf("0b%b", int(v))
		case hclog.Quote:
			s = strconv.Quote(string(v))
		default:
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[i] = s
	}
	if out == nil {
		return args
	}
	return out
}

func (a *hclogAdapter) Trace(msg string, args ...any) { a.Log(hclog.Trace, msg, args...) }
func (a *hclogAdapter) Debug(msg string, args ...any) { a.Log(hclog.Debug, msg, args...) }
func (a *hclogAdapter) Info(msg string, args ...any)  { a.Log(hclog.Info, msg, args...) }
func (a *hclogAdapter) Warn(msg string, args ...any)  { a.Log(hclog.Warn, msg, args...) }
func (a *hclogAdapter) Error(msg string, args ...any) { a.Log(hclog.Error, msg, args...) }

func (a *hclogAdapter) IsTrace() bool { return a.enabled(hclog.Trace) }
func (a *hclogAdapter) IsDebug() bool { return a.enabled(hclog.Debug) }
func (a *hclogAdapter) IsInfo() bool  { return a.enabled(hclog.Info) }
func (a *hclogAdapter) IsWarn() bool  { return a.enabled(hclog.Warn) }
func (a *hclogAdapter) IsError() bool { return a.enabled(hclog.Error) }

func (a *hclogAdapter) ImpliedArgs() []any { return slices.Clone(a.implied) }

func (a *hclogAdapter) With(args ...any) hclog.Logger {
	d := a.derive(a.base.With(args...), a.name)
	d.implied = append(slices.Clone(a.implied), args...)
	return d
}

func (a *hclogAdapter) Name() string { return a.name }

func (a *hclogAdapter) Named(name string) hclog.Logger {
	if a.name != "" {
		name = a.name + "." + name
	}
	return a.derive(a.base, name)
}

func (a *hclogAdapter) ResetNamed(name string) hclog.Logger { return a.derive(a.base, name) }

// derive returns a logger on base named name that shares a's implied args and level.
func (a *hclogAdapter) derive(base *slog.Logger, name string) *hclogAdapter {
	d := &hclogAdapter{base: base, logger: base, name: name, implied: a.implied, level: a.level, limit: a.limit}
	if name != "" {
		d.logger = base.With("subsystem", name)
	}
	return d
}

func (a *hclogAdapter) SetLevel(l hclog.Level) { a.level.Store(int32(l)) }

// GetLevel returns the level set with SetLevel, or else the lowest level the handler
// lets through.
func (a *hclogAdapter) GetLevel() hclog.Level {
	if l := hclog.Level(a.level.Load()); l != hclog.NoLevel {
		return l
	}
	for _, l := range []hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error} {
		if a.enabled(l) {
			return l
		}
	}
	return hclog.Off
}

func (a *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	l := hclog.Info
	if opts != nil && opts.ForceLevel != hclog.NoLevel {
		l = opts.ForceLevel
	}
	return slog.NewLogLogger(a.logger.Handler(), slogLevel(l))
}

func (a *hclogAdapter) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	return a.StandardLogger(opts).Writer()
}
