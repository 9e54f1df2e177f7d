package spool

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
)

// pebbleLogger routes Pebble's log lines to slog.
//
// Fatalf is where Pebble sends the errors it cannot survive: a failed WAL
// sync, a failed MANIFEST write, detected corruption. See "Full disk" in
// doc.go for why the only safe answer is to end the process.
type pebbleLogger struct{ log *slog.Logger }

func newPebbleLogger(l *slog.Logger) pebbleLogger {
	return pebbleLogger{log: l.With("component", "pebble")}
}

// Infof lines are routine (every flush and compaction): debug level.
func (p pebbleLogger) Infof(format string, args ...any) {
	if p.log.Enabled(context.Background(), slog.LevelDebug) {
		p.log.Debug(fmt.Sprintf(format, args...))
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.log.Error(fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	die(p.log, fmt.Sprintf(format, args...), nil)
}

// die logs why the store cannot go on and exits. It exits rather than
// panics because SMTP servers recover panics in session goroutines and would
// keep answering on a store whose commit pipeline is locked.
func die(l *slog.Logger, msg string, stack []byte) {
	attrs := []any{}
	if stack != nil {
		attrs = append(attrs, "stack", string(stack))
	}
	l.Log(context.Background(), slog.LevelError+4, "spool: fatal storage error, exiting: "+msg, attrs...)
	os.Exit(1)
}

// exitOnPanic turns a panic out of a Pebble write into an exit. Pebble
// panics (instead of calling Fatalf) when a commit meets a WAL writer that
// already failed, and it does so holding its commit mutex: nothing can be
// written after that, so the process must restart and replay the WAL.
// Deferred by every write method.
func (s *Store) exitOnPanic(op string) {
	if r := recover(); r != nil {
		die(s.log, fmt.Sprintf("%s: %v", op, r), debug.Stack())
	}
}
