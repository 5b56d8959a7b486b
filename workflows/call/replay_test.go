package call

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedCall replays a call recorded from a real all-in-one
// (workflows/conversation's TestRecordCallHistories): queued, rung,
// accepted, dropped by the visitor.
func TestReplayRecordedCall(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(CallWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, filepath.Join("testdata", "call-connected.json")))
}
