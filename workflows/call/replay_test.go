package call

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/internal/replaytest"
)

// TestReplayRecordedCall replays a call recorded from a real all-in-one
// (workflows/conversation's TestRecordCallHistories): queued, rung,
// accepted, dropped by the visitor.
func TestReplayRecordedCall(t *testing.T) {
	replaytest.Files(t, []string{filepath.Join("testdata", "call-connected.json")}, func(r worker.WorkflowReplayer) {
		r.RegisterWorkflowWithOptions(CallWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	})
}
