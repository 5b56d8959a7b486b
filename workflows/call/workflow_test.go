package call

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// t0 lies ahead of the wall clock, as in the conversation's tests: the test
// environment checks a local activity's deadline on the wall clock.
var t0 = time.Date(2036, 11, 24, 10, 0, 0, 0, time.UTC)

// fakeStore records the steps the workflow writes.
type fakeStore struct {
	mu    sync.Mutex
	steps []activities.CallStep
}

func (f *fakeStore) CallStep(_ context.Context, s activities.CallStep) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, s)
	return nil
}

func (f *fakeStore) states() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.steps {
		out = append(out, s.State)
	}
	return out
}

// events lists the visitor's events as "eventId desc [causeId]".
func (f *fakeStore) events() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.steps {
		if s.Event != nil {
			out = append(out, s.Event.EventID+" "+s.Event.Desc+" "+s.Event.CauseID)
		}
	}
	return out
}

func (f *fakeStore) last() activities.CallStep {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.steps[len(f.steps)-1]
}

type harness struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	store *fakeStore
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(CallWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	store := &fakeStore{}
	env.RegisterActivityWithOptions(store.CallStep, activity.RegisterOptions{Name: "CallStep"})
	return &harness{t: t, env: env, store: store}
}

func start(agent string) Start {
	s := Start{
		CallID: "call-1", ConversationID: "conv-1", TenantID: "demo", ChannelID: "ch", UserID: "visitor-1", Locale: "en",
		QueueTimeout: 2 * time.Minute, RingTimeout: 30 * time.Second, MaxDuration: time.Hour,
	}
	if agent != "" {
		s.Agent = AgentRef{AgentID: agent, AgentName: agent}
	}
	return s
}

// at schedules f at d after the start.
func (h *harness) at(d time.Duration, f func()) { h.env.RegisterDelayedCallback(f, d) }

// update sends an update and records whether it was refused.
func (h *harness) update(name string, refused *string, arg any) {
	h.env.UpdateWorkflow(name, name+time.Now().String(), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) {
			if refused != nil {
				*refused, _ = AsRefusal(err)
			}
		},
		OnComplete: func(any, error) {},
	}, arg)
}

func (h *harness) agentNews(agent string) {
	h.env.SignalWorkflow(SignalConversation, ConversationNews{Agent: AgentRef{AgentID: agent, AgentName: agent}})
}

func (h *harness) run(in Start) Snapshot {
	h.env.ExecuteWorkflow(WorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var out Snapshot
	require.NoError(h.t, h.env.GetWorkflowResult(&out))
	return out
}

func TestCallQueuesRingsConnectsAndTheCustomerHangsUp(t *testing.T) {
	h := newHarness(t)
	h.at(10*time.Second, func() { h.agentNews("agent1") })
	h.at(15*time.Second, func() { h.update(UpdateAccept, nil, AgentRequest{AgentID: "agent1"}) })
	h.at(95*time.Second, func() { h.update(UpdateDrop, nil, DropRequest{Side: SideCustomer}) })
	out := h.run(start(""))
	require.Equal(t, StateReleased, out.State)
	require.Equal(t, CauseCustomerHangUp, out.Cause)
	require.Equal(t, []string{"QUEUING", "RINGING", "CONNECTED", "RELEASED"}, h.store.states())
	require.Equal(t, []string{"168100 Call in queue ", "168101 Call connected ", "168102 Call disconnected 0"}, h.store.events())
	last := h.store.last()
	require.True(t, last.Ended)
	require.Equal(t, "agent1", last.TellAgent)
	require.Equal(t, "The call has ended after 1:20.", last.Notice.Content, "80 s from accept to hang-up")
	require.Equal(t, t0.Add(95*time.Second), last.At)
	require.Equal(t, []int64{1, 2, 3, 4}, []int64{h.store.steps[0].Number, h.store.steps[1].Number, h.store.steps[2].Number, h.store.steps[3].Number})
}

func TestCallRingsTheServingAgentAtOnceAndTheAgentHangsUp(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.update(UpdateAccept, nil, AgentRequest{AgentID: "agent1"}) })
	h.at(time.Minute, func() { h.update(UpdateDrop, nil, DropRequest{Side: SideAgent, AgentID: "agent1"}) })
	out := h.run(start("agent1"))
	require.Equal(t, CauseAgentHangUp, out.Cause)
	require.Equal(t, []string{"QUEUING", "RINGING", "CONNECTED", "RELEASED"}, h.store.states())
	require.Equal(t, "agent1", h.store.steps[1].AgentID, "the ringing step records the agent")
	require.Equal(t, "agent1", h.store.steps[1].TellAgent, "the agent's console is told it rings")
	require.Equal(t, "168102 Call disconnected 1", h.store.events()[2])
}

func TestCallQueueTimesOut(t *testing.T) {
	h := newHarness(t)
	out := h.run(start(""))
	require.Equal(t, StateQueueTimeout, out.State)
	require.Equal(t, []string{"QUEUING", "QUEUE_TIMEOUT"}, h.store.states())
	require.Equal(t, []string{"168100 Call in queue ", "168103 Call queued timeout 7"}, h.store.events())
	require.Equal(t, t0.Add(2*time.Minute), h.store.last().At)
	require.Equal(t, "The call was not connected: no agent became free in time.", h.store.last().Notice.Content)
}

func TestCallRingTimesOut(t *testing.T) {
	h := newHarness(t)
	out := h.run(start("agent1"))
	require.Equal(t, StateFailed, out.State)
	require.Equal(t, CauseNoAnswer, out.Cause)
	require.Equal(t, []string{"QUEUING", "RINGING", "FAILED"}, h.store.states())
	require.Equal(t, "168104 Call failed 4", h.store.events()[1])
	require.Equal(t, t0.Add(30*time.Second), h.store.last().At, "the ring timeout")
}

func TestCallAgentRejects(t *testing.T) {
	h := newHarness(t)
	var refused string
	h.at(time.Second, func() { h.update(UpdateAccept, &refused, AgentRequest{AgentID: "agent2"}) })
	h.at(2*time.Second, func() { h.update(UpdateReject, nil, AgentRequest{AgentID: "agent1"}) })
	out := h.run(start("agent1"))
	require.Equal(t, DescNotYourCall, refused, "only the rung agent answers")
	require.Equal(t, CauseAgentRejected, out.Cause)
	require.Equal(t, []string{"QUEUING", "RINGING", "FAILED"}, h.store.states())
}

func TestCallAgentHangingUpARingingCallRejectsIt(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.update(UpdateDrop, nil, DropRequest{Side: SideAgent, AgentID: "agent1"}) })
	out := h.run(start("agent1"))
	require.Equal(t, CauseAgentRejected, out.Cause)
}

func TestCallCustomerCancelsWhileQueuedOrRinging(t *testing.T) {
	h := newHarness(t)
	var refused string
	h.at(time.Second, func() { h.update(UpdateDrop, &refused, DropRequest{Side: SideAgent, AgentID: "agent1"}) })
	h.at(5*time.Second, func() { h.update(UpdateDrop, nil, DropRequest{Side: SideCustomer}) })
	out := h.run(start(""))
	require.Equal(t, DescNotYourCall, refused, "no agent is rung yet")
	require.Equal(t, StateReleased, out.State)
	require.Equal(t, CauseCustomerCancel, out.Cause)
	require.Equal(t, []string{"168100 Call in queue ", "168102 Call disconnected 2"}, h.store.events())

	h = newHarness(t)
	h.at(5*time.Second, func() { h.update(UpdateDrop, nil, DropRequest{Side: SideCustomer}) })
	out = h.run(start("agent1"))
	require.Equal(t, CauseCustomerCancel, out.Cause)
	require.Equal(t, []string{"QUEUING", "RINGING", "RELEASED"}, h.store.states())
	require.Equal(t, "agent1", h.store.last().TellAgent, "the rung agent's console stops ringing")
}

func TestCallGoesBackToTheQueueWhenTheRungAgentLeaves(t *testing.T) {
	h := newHarness(t)
	h.at(5*time.Second, func() { h.agentNews("") })
	h.at(10*time.Second, func() { h.agentNews("agent2") })
	h.at(12*time.Second, func() { h.update(UpdateAccept, nil, AgentRequest{AgentID: "agent2"}) })
	h.at(20*time.Second, func() { h.update(UpdateDrop, nil, DropRequest{Side: SideCustomer}) })
	out := h.run(start("agent1"))
	require.Equal(t, []string{"QUEUING", "RINGING", "QUEUING", "RINGING", "CONNECTED", "RELEASED"}, h.store.states())
	require.Equal(t, "agent1", h.store.steps[2].TellAgent, "the first agent stops ringing")
	require.Equal(t, "agent2", out.Agent.AgentID)
}

func TestCallEndsWhenTheAgentLeavesOrTheConversationEnds(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.update(UpdateAccept, nil, AgentRequest{AgentID: "agent1"}) })
	h.at(time.Minute, func() { h.agentNews("") })
	out := h.run(start("agent1"))
	require.Equal(t, CauseAgentLeft, out.Cause)
	require.Equal(t, StateReleased, out.State)

	h = newHarness(t)
	h.at(time.Second, func() { h.update(UpdateAccept, nil, AgentRequest{AgentID: "agent1"}) })
	h.at(time.Minute, func() { h.env.SignalWorkflow(SignalConversation, ConversationNews{Ended: true}) })
	out = h.run(start("agent1"))
	require.Equal(t, CauseConversationOver, out.Cause)

	h = newHarness(t)
	h.at(time.Second, func() { h.env.SignalWorkflow(SignalConversation, ConversationNews{Ended: true}) })
	out = h.run(start(""))
	require.Equal(t, StateFailed, out.State)
	require.Equal(t, CauseConversationOver, out.Cause)
}

func TestCallEndsAtItsMaximumDuration(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.update(UpdateAccept, nil, AgentRequest{AgentID: "agent1"}) })
	out := h.run(start("agent1"))
	require.Equal(t, CauseMaxDuration, out.Cause)
	require.Equal(t, t0.Add(time.Second+time.Hour), h.store.last().At)
}

func TestCallRefusesBadUpdates(t *testing.T) {
	h := newHarness(t)
	var early, side, twice string
	h.at(time.Second, func() { h.update(UpdateAccept, &early, AgentRequest{AgentID: "agent1"}) })
	h.at(2*time.Second, func() { h.update(UpdateDrop, &side, DropRequest{Side: "robot"}) })
	h.at(3*time.Second, func() { h.agentNews("agent1") })
	h.at(4*time.Second, func() { h.update(UpdateAccept, nil, AgentRequest{AgentID: "agent1"}) })
	h.at(5*time.Second, func() { h.update(UpdateAccept, &twice, AgentRequest{AgentID: "agent1"}) })
	h.at(6*time.Second, func() { h.update(UpdateDrop, nil, DropRequest{Side: SideCustomer}) })
	h.run(start(""))
	require.Equal(t, DescNotRinging, early)
	require.Equal(t, DescUnknownSide, side)
	require.Equal(t, DescNotRinging, twice)
	require.Equal(t, []string{"QUEUING", "RINGING", "CONNECTED", "RELEASED"}, h.store.states())
}
