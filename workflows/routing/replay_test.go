package routing

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/internal/replaytest"
)

// TestReplayRecordedHistories replays routing histories recorded from a
// real all-in-one (workflows/conversation's TestRecordHistories writes them)
// against today's code: an enqueue by signal-with-start, an agent's READY
// with the assignment it signals, the conversation's leave, and OFFLINE.
func TestReplayRecordedHistories(t *testing.T) {
	replaytest.Glob(t, "*.json", func(r worker.WorkflowReplayer) {
		r.RegisterWorkflowWithOptions(RoutingWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	})
}
