package embedded

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/server/common/log/tag"
)

// What the embedded server always says at start and while ccflow stops it is
// expected, so it goes to debug; other warnings and errors still show
// (issue 11: 57 WARN lines at every stop).
func TestExpectedServerWarningsGoToDebug(t *testing.T) {
	var out bytes.Buffer
	l := slogLogger{l: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})), stopping: &atomic.Bool{}}
	l.Warn("HTTP API port has not been set. Nexus HTTP endpoints will not be available.")
	l.Warn("persistence is slow", tag.NewStringTag("store", "sqlite"))
	child := l.With(tag.NewStringTag("service", "worker"))
	l.stopping.Store(true)
	child.Warn("Failed to poll for task.")
	child.Error("error fetching user data from parent")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 1, out.String())
	require.Contains(t, lines[0], "persistence is slow")
}

// The server's start-up lines about its frontend not being healthy yet
// become one calm line (issue 11); other errors at start still show.
func TestFrontendNotHealthyYetIsOneCalmLine(t *testing.T) {
	var out bytes.Buffer
	l := slogLogger{l: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})),
		stopping: &atomic.Bool{}, warming: &atomic.Bool{}}
	notHealthy := serviceerror.NewUnavailable("Frontend is not healthy yet")
	child := l.With(tag.NewStringTag("service", "worker"))
	for range 5 {
		child.Error("error starting scanner", tag.Error(notHealthy))
		l.Warn("Failed to poll for task.", tag.Error(notHealthy))
	}
	l.Error("unable to create SQL connection", tag.Error(errors.New("disk full")))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	require.Contains(t, lines[0], "level=INFO")
	require.Contains(t, lines[0], "the Temporal server is starting")
	require.NotContains(t, out.String(), "not healthy")
	require.Contains(t, lines[1], "level=ERROR")
	require.Contains(t, lines[1], "disk full")
}
