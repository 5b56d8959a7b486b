package conversation

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/call"
	"github.com/ccflow/ccflow/workflows/internal/replaytest"
	"github.com/ccflow/ccflow/workflows/routing"
)

// newReplayer registers the workflows under the names the worker uses.
func newReplayer() worker.WorkflowReplayer {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(ConversationWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterWorkflowWithOptions(routing.RoutingWorkflow, workflow.RegisterOptions{Name: routing.WorkflowName})
	r.RegisterWorkflowWithOptions(call.CallWorkflow, workflow.RegisterOptions{Name: call.WorkflowName})
	return r
}

func replayLogger() log.Logger { return replaytest.Logger() }

// revision0 holds the histories recorded before quietListingVersion.
var revision0 = filepath.Join("testdata", "revision0")

// TestReplayRecordedHistories replays histories recorded from a real
// all-in-one (see TestRecordHistories) against today's workflow code: a
// change that would break running conversations fails here. The histories
// cover signal-with-start of a robot question, the robot's turn, TRANS2AGENT,
// routing's assignment, the agent's close, the rating, DISCONNECT in the
// robot phase, and webhook deliveries on ccflow-push; and, recorded mid-life
// by TestRecordStateHistories, a conversation still queued and one served
// on after an agent transferred it to another skill group.
//
// call-conversation.json (TestRecordCallHistories) is a conversation with a
// click-to-call: the start-call update under GetVersion, its child, and the
// signals that tell the call of the agent and the end.
//
// conversation-continued-as-new.json and conversation-after-continue-as-new.json
// (TestRecordContinueAsNewHistories) are a conversation's run that continued
// as new when Temporal suggested it, and the run that took its state on.
//
// testdata/ holds them as recorded under quietListingVersion, and
// testdata/revision0/ the same conversations as recorded before
// quietListingVersion: runs that took their steps then still replay as they ran.
func TestReplayRecordedHistories(t *testing.T) {
	current := []string{historyAgentRated, historyRobotDisconnect, historyCallConversation, historyQueued, historyTransferred,
		historyContinuedAsNew, historyAfterContinue}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.ElementsMatch(t, current, files)
	old, err := filepath.Glob(filepath.Join(revision0, "*.json"))
	require.NoError(t, err)
	var want []string
	for _, f := range current {
		want = append(want, filepath.Join(revision0, filepath.Base(f)))
	}
	require.ElementsMatch(t, want, old)
	for _, f := range append(files, old...) {
		name, err := filepath.Rel("testdata", f)
		require.NoError(t, err)
		t.Run(name, func(t *testing.T) {
			require.NoError(t, newReplayer().ReplayWorkflowHistoryFromJSONFile(replayLogger(), f))
		})
	}
}

// TestReplayDetectsAnotherWorkflow keeps the replay test honest: the same
// history replayed against a workflow that does something else fails.
func TestReplayDetectsAnotherWorkflow(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ Start) error {
		return workflow.Sleep(ctx, 0)
	}, workflow.RegisterOptions{Name: WorkflowName})
	quiet := log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 1})))
	require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(quiet, historyAgentRated))
}
