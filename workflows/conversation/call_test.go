package conversation

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/call"
)

// callSteps records the steps of the calls a conversation starts.
type callSteps struct {
	mu    sync.Mutex
	steps []activities.CallStep
}

func (c *callSteps) CallStep(_ context.Context, s activities.CallStep) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.steps = append(c.steps, s)
	return nil
}

// states lists the steps as "state agent".
func (c *callSteps) states() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, s := range c.steps {
		out = append(out, s.State+" "+s.AgentID)
	}
	return out
}

// withCalls registers the real call workflow as the conversation's child.
func (h *harness) withCalls() *callSteps {
	steps := &callSteps{}
	h.env.RegisterWorkflowWithOptions(call.CallWorkflow, workflow.RegisterOptions{Name: call.WorkflowName})
	h.env.RegisterActivityWithOptions(steps.CallStep, activity.RegisterOptions{Name: "CallStep"})
	return steps
}

func callRequest(id string) CallRequest {
	return CallRequest{CallID: id, QueueTimeout: time.Hour, RingTimeout: time.Hour, MaxDuration: time.Hour}
}

// TestCallFromTheRobotQueuesTheConversationAndRingsItsAgent: a call placed
// while the robot serves transfers the conversation (routing reserves an
// agent within capacity), rings the agent routing assigns, and ends when
// the conversation ends; the conversation completes only after its call.
func TestCallFromTheRobotQueuesTheConversationAndRingsItsAgent(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	steps := h.withCalls()
	var first, repeat, second *outcome
	h.at(time.Second, func() { first = h.update(UpdateStartCall, callRequest("call-1")) })
	h.at(2*time.Second, func() { repeat = h.update(UpdateStartCall, callRequest("call-1")) })
	h.at(3*time.Second, func() { second = h.update(UpdateStartCall, callRequest("call-2")) })
	h.phaseAt(4*time.Second, PhaseQueued)
	h.at(5*time.Second, func() { h.assign("a1") })
	h.at(15*time.Second, func() {
		require.Equal(t, []string{"QUEUING ", "RINGING a1"}, steps.states(), "the assigned agent rings")
		h.command(ControlDisconnect, "")
	})
	h.at(20*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Equal(t, SendResult{CodeOK, DescCallCreated}, first.sendResult(t))
	require.Equal(t, SendResult{CodeOK, DescCallCreated}, repeat.sendResult(t), "a retried request starts no second call")
	require.Equal(t, SendResult{CodeFailed, DescCallInProgress}, second.sendResult(t), "after waiting for the first call to end")
	require.Len(t, h.log.enqueues(), 1)
	require.Equal(t, []string{"QUEUING ", "RINGING a1", "FAILED "}, steps.states(), "the conversation's end ends the call")
	require.Equal(t, call.CauseConversationOver.ID, steps.steps[2].Event.CauseID)
}

// TestCallWhileAnAgentServesRingsThatAgent.
func TestCallWhileAnAgentServesRingsThatAgent(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	steps := h.withCalls()
	var res *outcome
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(2*time.Second, func() { h.assign("a1") })
	h.at(3*time.Second, func() { res = h.update(UpdateStartCall, callRequest("call-1")) })
	h.at(5*time.Second, func() {
		require.Equal(t, []string{"QUEUING ", "RINGING a1"}, steps.states())
		h.update(UpdateAgentClose, AgentCloseRequest{AgentID: "a1", ConversationID: "c1"})
	})
	h.at(6*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()
	require.Equal(t, SendResult{CodeOK, DescCallCreated}, res.sendResult(t))
	require.Len(t, h.log.enqueues(), 1, "no second transfer")
	require.Equal(t, "FAILED ", steps.states()[2])
}

// TestCallOutsideWorkingHoursAnswers12 and starts nothing.
func TestCallOutsideWorkingHoursAnswers12(t *testing.T) {
	ch := channel()
	ch.WorkingHours = "sun closed"
	h := newHarness(t, PhaseRobot, ch)
	steps := h.withCalls()
	var res *outcome
	h.at(time.Second, func() { res = h.update(UpdateStartCall, callRequest("call-1")) })
	h.at(2*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()
	require.Equal(t, SendResult{CodeNotWorkingHrs, DescNotWorkingHours}, res.sendResult(t))
	require.Empty(t, steps.states())
	require.Empty(t, h.log.enqueues())
}

// TestCallRefusedOnceTheServiceEnded: no call while waiting for the rating.
func TestCallRefusedOnceTheServiceEnded(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.withCalls()
	var res *outcome
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(2*time.Second, func() { h.assign("a1") })
	h.at(3*time.Second, func() { h.command(ControlDisconnect, "") })
	h.at(4*time.Second, func() { res = h.update(UpdateStartCall, callRequest("call-1")) })
	h.at(5*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()
	require.Equal(t, SendResult{CodeFailed, DescCallNoConversation}, res.refusal(t))
}

// TestCallBackRightAfterTheLastEnded: a call placed while the previous
// call's workflow is still completing waits for it, then starts.
func TestCallBackRightAfterTheLastEnded(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	steps := h.withCalls()
	var first, second *outcome
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(2*time.Second, func() { h.assign("a1") })
	short := callRequest("call-1")
	short.RingTimeout = 5 * time.Second
	h.at(3*time.Second, func() { first = h.update(UpdateStartCall, short) })
	// The first call's ring times out at 8 s; the second comes just before.
	h.at(7*time.Second, func() { second = h.update(UpdateStartCall, callRequest("call-2")) })
	h.at(20*time.Second, func() { h.command(ControlDisconnect, "") })
	h.at(21*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()
	require.Equal(t, SendResult{CodeOK, DescCallCreated}, first.sendResult(t))
	require.Equal(t, SendResult{CodeOK, DescCallCreated}, second.sendResult(t))
	require.Equal(t, []string{"QUEUING ", "RINGING a1", "FAILED ", "QUEUING ", "RINGING a1", "FAILED "}, steps.states())
}
