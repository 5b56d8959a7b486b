package agentdesk

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu   sync.Mutex
	away []time.Duration
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment()}
	h.env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	start := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	h.env.SetStartTime(start)
	h.env.OnSignalExternalWorkflow(mock.Anything, "routing:demo", "", SignalAgentAway, AgentAway{AgentID: "a1"}).Return(
		func(_, _, _, _ string, _ any) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.away = append(h.away, h.env.Now().Sub(start))
			return nil
		})
	return h
}

func (h *harness) at(d time.Duration, f func()) { h.env.RegisterDelayedCallback(f, d) }

func (h *harness) event(d time.Duration, e Event) {
	h.at(d, func() { h.env.SignalWorkflow(SignalEvent, e) })
}

func (h *harness) poll(d time.Duration, r PollRequest, check func(PollResult)) {
	h.at(d, func() {
		h.env.UpdateWorkflow(UpdatePoll, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { require.NoError(h.t, err) },
			OnComplete: func(res any, err error) {
				require.NoError(h.t, err)
				check(res.(PollResult))
			},
		}, r)
	})
}

func (h *harness) run(st State, end time.Duration) {
	h.at(end, h.env.CancelWorkflow)
	h.env.ExecuteWorkflow(WorkflowName, st)
	var canceled *temporal.CanceledError
	require.ErrorAs(h.t, h.env.GetWorkflowError(), &canceled)
}

func types(es []Event) []EventType {
	out := make([]EventType, len(es))
	for i, e := range es {
		out[i] = e.Type
	}
	return out
}

func TestFeedLongPollAndCursor(t *testing.T) {
	h := newHarness(t)
	h.event(time.Second, Event{Type: EventStatus, Status: "READY"})
	h.event(2*time.Second, Event{Type: EventAssigned, ConversationID: "c1"})
	h.poll(3*time.Second, PollRequest{}, func(r PollResult) {
		require.Equal(t, []EventType{EventStatus, EventAssigned}, types(r.Events))
		require.Equal(t, int64(2), r.Cursor)
	})
	// A long-poll waits for the next event and returns it alone.
	h.poll(4*time.Second, PollRequest{Cursor: 2, Wait: 20 * time.Second}, func(r PollResult) {
		require.Equal(t, []EventType{EventMessage}, types(r.Events))
		require.Equal(t, int64(3), r.Events[0].Seq)
		require.Equal(t, "c1", r.Events[0].ConversationID)
	})
	h.event(10*time.Second, Event{Type: EventMessage, ConversationID: "c1", Message: &Message{Content: "hi"}})
	// Nothing new: it returns empty after the wait, cursor unchanged.
	h.poll(11*time.Second, PollRequest{Cursor: 3, Wait: 5 * time.Second}, func(r PollResult) {
		require.Empty(t, r.Events)
		require.Equal(t, int64(3), r.Cursor)
	})
	h.at(12*time.Second, func() {
		h.env.UpdateWorkflow(UpdatePoll, "", &testsuite.TestUpdateCallback{
			OnAccept:   func() { t.Error("a wait over 30 s must be refused") },
			OnReject:   func(err error) { require.ErrorContains(t, err, "wait") },
			OnComplete: func(any, error) {},
		}, PollRequest{Wait: time.Minute})
	})
	h.run(State{AgentID: "a1", RoutingWorkflowID: "routing:demo"}, 30*time.Second)
}

func TestAbsentAgentIsTakenOffline(t *testing.T) {
	h := newHarness(t)
	h.event(time.Second, Event{Type: EventStatus, Status: "READY"})
	// Polls keep the agent present, including one long-poll in progress at the deadline.
	h.poll(90*time.Second, PollRequest{}, func(PollResult) {})
	h.poll(200*time.Second, PollRequest{Cursor: 1, Wait: 30 * time.Second}, func(PollResult) {})
	h.at(5*time.Minute, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		require.Empty(t, h.away, "a polling agent is present")
	})
	// The last poll ended at 230 s; two minutes later the agent is gone.
	h.poll(8*time.Minute, PollRequest{Cursor: 1}, func(r PollResult) {
		require.Equal(t, []EventType{EventStatus}, types(r.Events), "the console learns it was taken offline")
		require.Equal(t, "OFFLINE", r.Events[0].Status)
	})
	h.run(State{AgentID: "a1", RoutingWorkflowID: "routing:demo"}, 20*time.Minute)
	require.Len(t, h.away, 1, "told routing once")
	require.InDelta(t, (230*time.Second + PresenceTimeout).Seconds(), h.away[0].Seconds(), 2)
}

func TestOfflineAgentIsNotWatched(t *testing.T) {
	h := newHarness(t)
	h.event(time.Second, Event{Type: EventStatus, Status: "READY"})
	h.event(time.Minute, Event{Type: EventStatus, Status: "OFFLINE"})
	h.run(State{AgentID: "a1", RoutingWorkflowID: "routing:demo"}, time.Hour)
	require.Empty(t, h.away)
}

func TestContinueAsNewKeepsTheFeed(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.event(time.Duration(i+1)*time.Second, Event{Type: EventTyping, ConversationID: "c1"})
	}
	h.env.ExecuteWorkflow(WorkflowName, State{AgentID: "a1", ContinueAsNewAfter: 3})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next State
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, int64(3), next.NextSeq)
	require.Len(t, next.Events, 3)
	require.Equal(t, "a1", next.AgentID)
}
