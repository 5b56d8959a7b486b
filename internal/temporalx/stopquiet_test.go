package temporalx

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
)

// A worker's own stop ends its polls with "worker stopping", which the SDK
// may log as a failed poll: that goes to debug, on derived loggers too,
// while any other poll failure is still a warning.
func TestAStoppingWorkersPollIsNotAWarning(t *testing.T) {
	var out bytes.Buffer
	l := stopQuiet{log.NewStructuredLogger(slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})))}
	derived := log.With(l, "TaskQueue", "ccflow-conversations")

	derived.Warn("Failed to poll for task.", "Error", errors.New(workerStopping))
	require.Empty(t, out.String())

	derived.Warn("Failed to poll for task.", "Error", errors.New("connection refused"))
	require.Contains(t, out.String(), `"level":"WARN"`)
	require.Contains(t, out.String(), "connection refused")
	require.Contains(t, out.String(), "ccflow-conversations")
	out.Reset()

	l.Warn("Something else.", "Error", errors.New(workerStopping))
	require.Contains(t, out.String(), `"level":"WARN"`)
}
