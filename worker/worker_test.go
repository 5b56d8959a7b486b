package worker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/agentdesk"
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// newEnv registers the workflows exactly as the worker does, with the
// activities faked.
func newEnv() *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	registerWorkflows(env)
	env.RegisterActivityWithOptions(func(context.Context, activities.PersistBatch) error { return nil }, activity.RegisterOptions{Name: "Persist"})
	env.RegisterActivityWithOptions(func(context.Context, activities.RouteNotice) error { return nil }, activity.RegisterOptions{Name: "Notify"})
	env.RegisterActivityWithOptions(func(context.Context, activities.RobotQuestion) (activities.RobotAnswer, error) {
		return activities.RobotAnswer{}, nil
	}, activity.RegisterOptions{Name: "Answer"})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", mock.Anything, mock.Anything).Return(nil)
	return env
}

// continuedAs runs a workflow until it continues as new and returns the
// workflow type the next run would have.
func continuedAs(t *testing.T, env *testsuite.TestWorkflowEnvironment, name string, input any) string {
	t.Helper()
	env.ExecuteWorkflow(name, input)
	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	return can.WorkflowType.Name
}

// TestEveryWorkflowContinuesAsItself guards against a continue-as-new that
// names the workflow by its function: the three are all called Workflow, and
// with all three registered such a run came back as an agent feed.
func TestEveryWorkflowContinuesAsItself(t *testing.T) {
	env := newEnv()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(routing.SignalLeave, routing.Leave{ConversationID: "c1", Ticket: 1})
	}, time.Second)
	require.Equal(t, routing.WorkflowName, continuedAs(t, env, routing.WorkflowName, routing.State{TenantID: "demo", ContinueAsNewAfter: 1}))

	env = newEnv()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(agentdesk.SignalEvent, agentdesk.Event{Type: agentdesk.EventTyping})
	}, time.Second)
	require.Equal(t, agentdesk.WorkflowName, continuedAs(t, env, agentdesk.WorkflowName, agentdesk.State{AgentID: "a1", ContinueAsNewAfter: 1}))

	env = newEnv()
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(conversation.UpdateSend, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { require.NoError(t, err) }, OnComplete: func(any, error) {},
		}, conversation.SendRequest{ControlType: conversation.ControlConnect, MediaType: "TEXT"})
	}, time.Second)
	require.Equal(t, conversation.WorkflowName, continuedAs(t, env, conversation.WorkflowName, conversation.State{
		Channel: conversation.Channel{ID: "c", TenantID: "demo", RobotEnabled: true, WorkingHours: "always"},
		Visitor: conversation.Visitor{UserID: "u1"}, ContinueAsNewAfter: 1,
	}))
}
