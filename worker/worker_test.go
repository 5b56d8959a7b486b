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
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// newEnv registers the workflows exactly as the worker does, with the
// activities faked.
func newEnv() *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	registerWorkflows(env)
	env.RegisterActivityWithOptions(func(context.Context, activities.Transition) (activities.Applied, error) {
		return activities.Applied{Applied: true}, nil
	}, activity.RegisterOptions{Name: "Apply"})
	env.RegisterActivityWithOptions(func(context.Context, activities.RouteNotice) error { return nil }, activity.RegisterOptions{Name: "Notify"})
	env.RegisterActivityWithOptions(func(context.Context, activities.RobotTurn) (activities.RobotReply, error) {
		return activities.RobotReply{}, nil
	}, activity.RegisterOptions{Name: "Robot"})
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
// names the workflow by something else than its registered name.
func TestEveryWorkflowContinuesAsItself(t *testing.T) {
	env := newEnv()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(routing.SignalLeave, routing.Leave{ConversationID: "c1", Ticket: 1})
	}, time.Second)
	require.Equal(t, routing.WorkflowName, continuedAs(t, env, routing.WorkflowName, routing.State{TenantID: "demo", ContinueAsNewAfter: 1}))

	env = newEnv()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(conversation.SignalRated, nil)
	}, time.Second)
	require.Equal(t, conversation.WorkflowName, continuedAs(t, env, conversation.WorkflowName, conversation.Start{
		ConversationID: "c1", State: &conversation.State{
			ConversationID: "c1", Phase: conversation.PhaseRobot,
			Channel: conversation.Channel{ID: "c", TenantID: "demo", RobotEnabled: true, WorkingHours: "always"},
			Visitor: conversation.Visitor{UserID: "u1"}, ContinueAsNewAfter: 1,
		},
	}))
}
