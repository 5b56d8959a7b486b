package outbound

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

// TestReplayRecordedOutboundCalls replays outbound calls recorded from a
// real all-in-one by integration's TestSIPOutboundCall
// (CCFLOW_RECORD_HISTORIES=1): one dialled, answered by the trunk and hung
// up by the app; one whose access code expired.
func TestReplayRecordedOutboundCalls(t *testing.T) {
	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	for _, name := range []string{"outbound-connected.json", "outbound-expired.json"} {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(OutboundCallWorkflow, workflow.RegisterOptions{Name: WorkflowName})
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, filepath.Join("testdata", name)), name)
	}
}
