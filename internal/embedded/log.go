package embedded

import (
	"context"
	"fmt"
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
	// warming is set once the server has said its frontend is not healthy
	// yet, so that a first-time user reads one calm line about it.
	warming *atomic.Bool
}

// expectedWarning is a warning the embedded server always prints at start:
// ccflow does not serve Nexus, so its missing HTTP port is no news.
const expectedWarning = "HTTP API port has not been set"

// notHealthyYet is the error the frontend answers its own services (and
// ccflow's client) until it serves: for a few seconds at every start its
// history, matching and worker services log it as warnings and errors. It
// is never a fault by itself: a frontend that never comes up fails ccflow's
// start with its own error.
const notHealthyYet = "Frontend is not healthy yet"

// quiet tells whether a warning or error is expected and so belongs at debug.
func (s slogLogger) quiet(msg string, tags []tag.Tag) bool {
	if (s.stopping != nil && s.stopping.Load()) || strings.HasPrefix(msg, expectedWarning) {
		return true
	}
	if !strings.Contains(msg, notHealthyYet) && !tagsMention(tags, notHealthyYet) {
		return false
	}
	if s.warming != nil && s.warming.CompareAndSwap(false, true) {
		s.l.Info("the Temporal server is starting; ccflow waits for its frontend (its start-up retries are logged at debug)")
	}
	return true
}

// tagsMention tells whether a tag's value (an error, usually) says text.
func tagsMention(tags []tag.Tag, text string) bool {
	for _, t := range tags {
		v := t.Value()
		if err, ok := v.(error); ok && err != nil && strings.Contains(err.Error(), text) {
			return true
		}
		if str, ok := v.(string); ok && strings.Contains(str, text) {
			return true
		}
		if st, ok := v.(fmt.Stringer); ok && st != nil && strings.Contains(st.String(), text) {
			return true
		}
	}
	return false
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
	if s.quiet(msg, tags) {
		s.l.Debug(msg, s.attrs(tags)...)
		return
	}
	s.l.Warn(msg, s.attrs(tags)...)
}

func (s slogLogger) Error(msg string, tags ...tag.Tag) {
	if s.quiet(msg, tags) {
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
	return slogLogger{l: s.l.With(s.attrs(tags)...), verbose: s.verbose, stopping: s.stopping, warming: s.warming}
}
