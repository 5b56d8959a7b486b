package retention_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/internal/replaytest"
	"github.com/ccflow/ccflow/workflows/retention"
)

// TestReplayRecordedHistories replays the retention runs recorded from a
// real all-in-one (TestRecordRetentionHistory) against today's code: a
// change that would break a run in flight during a deploy fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.Equal(t, []string{historyScheduledRun}, files)
	replaytest.Files(t, files, func(r worker.WorkflowReplayer) {
		r.RegisterWorkflowWithOptions(retention.FileRetentionWorkflow, workflow.RegisterOptions{Name: retention.WorkflowName})
	})
}

// TestReplayDetectsAChangedRetention keeps the replay test honest: the
// history replayed against a workflow that does something else fails.
func TestReplayDetectsAChangedRetention(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(func(ctx workflow.Context) (int, error) {
		return 0, workflow.Sleep(ctx, 0)
	}, workflow.RegisterOptions{Name: retention.WorkflowName})
	logger := log.NewStructuredLogger(slog.New(slog.DiscardHandler))
	require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(logger, historyScheduledRun))
}
