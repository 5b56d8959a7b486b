package outbound

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/internal/replaytest"
)

// TestReplayRecordedOutboundCalls replays outbound calls recorded from a
// real all-in-one by integration's TestSIPOutboundCall
// (CCFLOW_RECORD_HISTORIES=1): one dialled, answered by the trunk and hung
// up by the app; one whose access code expired.
func TestReplayRecordedOutboundCalls(t *testing.T) {
	files := []string{filepath.Join("testdata", "outbound-connected.json"), filepath.Join("testdata", "outbound-expired.json")}
	replaytest.Files(t, files, func(r worker.WorkflowReplayer) {
		r.RegisterWorkflowWithOptions(OutboundCallWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	})
}
