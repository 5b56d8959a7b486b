package embedded

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts the Temporal server's logger interface to slog, so that the
// embedded server writes the same structured lines as the rest of ccflow.
type slogLogger struct {
	l *slog.Logger
	// verbose lets the server's debug and info lines through; they are noise
	// to a ccflow operator unless ccflow itself logs at debug.
	verbose bool
	// stopping is set when ccflow stops the server: its workers and matching
	// engine then warn and err about every connection the stop closes (some
	// fifty lines), which is expected, so they go to debug.
	stopping *atomic.Bool
}

// expectedWarning is a warning the embedded server always prints at start:
// ccflow does not serve Nexus, so its missing HTTP port is no news.
const expectedWarning = "HTTP API port has not been set"

// quiet tells whether a warning or error is expected and so belongs at debug.
func (s slogLogger) quiet(msg string) bool {
	return (s.stopping != nil && s.stopping.Load()) || strings.HasPrefix(msg, expectedWarning)
}

var _ log.Logger = slogLogger{}

func (s slogLogger) attrs(tags []tag.Tag) []any {
	out := make([]any, 0, 2*len(tags))
	for _, t := range tags {
		out = append(out, t.Key(), t.Value())
	}
	return out
}

func (s slogLogger) Debug(msg string, tags ...tag.Tag) {
	if s.verbose {
		s.l.Debug(msg, s.attrs(tags)...)
	}
}

func (s slogLogger) Info(msg string, tags ...tag.Tag) {
	if s.verbose {
		s.l.Info(msg, s.attrs(tags)...)
	}
}
func (s slogLogger) Warn(msg string, tags ...tag.Tag) {
	if s.quiet(msg) {
		s.l.Debug(msg, s.attrs(tags)...)
		return
	}
	s.l.Warn(msg, s.attrs(tags)...)
}

func (s slogLogger) Error(msg string, tags ...tag.Tag) {
	if s.quiet(msg) {
		s.l.Debug(msg, s.attrs(tags)...)
		return
	}
	s.l.Error(msg, s.attrs(tags)...)
}
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) {
	s.l.Error(msg, s.attrs(tags)...)
}

// Panic keeps the server's contract: it must not return.
func (s slogLogger) Panic(msg string, tags ...tag.Tag) {
	s.l.Error(msg, s.attrs(tags)...)
	panic(msg)
}

// Fatal exits without a stack trace: the line above it names what failed.
func (s slogLogger) Fatal(msg string, tags ...tag.Tag) {
	s.l.Log(context.Background(), slog.LevelError+4, msg, s.attrs(tags)...)
	os.Exit(1)
}

func (s slogLogger) With(tags ...tag.Tag) log.Logger {
	return slogLogger{l: s.l.With(s.attrs(tags)...), verbose: s.verbose, stopping: s.stopping}
}
