// Package replaytest replays recorded workflow histories against today's
// code, the same way for every workflow package's replay test: a change that
// would break a run in flight during a deploy fails there.
package replaytest

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// Logger is the replayer's logger: warnings and above, on stderr.
func Logger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// Files replays each history file, each in a subtest of its own name, on a
// fresh replayer that register fills with the workflows it needs.
func Files(t *testing.T, files []string, register func(worker.WorkflowReplayer)) {
	t.Helper()
	require.NotEmpty(t, files, "no recorded histories to replay")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			register(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(Logger(), f))
		})
	}
}

// Glob is Files over the files matching pattern under testdata.
func Glob(t *testing.T, pattern string, register func(worker.WorkflowReplayer)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	require.NoError(t, err)
	Files(t, files, register)
}
