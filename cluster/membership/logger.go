package membership

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"sync"
)

// logWriter adapts memberlist's *log.Logger output to slog. memberlist writes lines
// like "[WARN] memberlist: message"; the bracketed level picks the slog level and the
// "memberlist: " prefix is dropped (the component attribute says it).
type logWriter struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

// newStdLogger returns the *log.Logger memberlist writes to.
func newStdLogger(l *slog.Logger) *log.Logger {
	return log.New(&logWriter{log: l}, "", 0)
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

var levels = []struct {
	prefix string
	level  slog.Level
}{
	{"[TRACE] ", slog.LevelDebug - 4},
	{"[DEBUG] ", slog.LevelDebug},
	{"[INFO] ", slog.LevelInfo},
	{"[WARN] ", slog.LevelWarn},
	{"[ERR] ", slog.LevelError},
	{"[ERROR] ", slog.LevelError},
}

func (w *logWriter) emit(line string) {
	level := slog.LevelInfo
	for _, l := range levels {
		if len(line) >= len(l.prefix) && line[:len(l.prefix)] == l.prefix {
			level, line = l.level, line[len(l.prefix):]
			break
		}
	}
	const component = "memberlist: "
	if len(line) >= len(component) && line[:len(component)] == component {
		line = line[len(component):]
	}
	w.log.Log(context.Background(), level, line)
}
