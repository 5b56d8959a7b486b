package conversation

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// fakePusher plays the Push activity in front of webhook receivers: an
// endpoint listed in failures refuses that many attempts first (-1: every
// one). It records every attempt, refused or not.
type fakePusher struct {
	mu       sync.Mutex
	failures map[uint64]int
	attempts []pushAttempt
	accepted map[uint64][]activities.PushEvent
}

// pushAttempt is one call of the Push activity, how it was scheduled, and
// whether it was accepted.
type pushAttempt struct {
	activities.PushRequest
	ok bool
	// window is the activity's schedule-to-close timeout: how long it is retried.
	window    time.Duration
	taskQueue string
}

func newFakePusher(failures map[uint64]int) *fakePusher {
	return &fakePusher{failures: failures, accepted: map[uint64][]activities.PushEvent{}}
}

func (f *fakePusher) Push(ctx context.Context, r activities.PushRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	info := activity.GetInfo(ctx)
	a := pushAttempt{PushRequest: r, window: info.ScheduleToCloseTimeout, taskQueue: info.TaskQueue}
	if n := f.failures[r.EndpointID]; n != 0 {
		if n > 0 {
			f.failures[r.EndpointID] = n - 1
		}
		f.attempts = append(f.attempts, a)
		return errors.New("receiver answered 503")
	}
	a.ok = true
	f.attempts = append(f.attempts, a)
	f.accepted[r.EndpointID] = append(f.accepted[r.EndpointID], r.Events...)
	return nil
}

func (f *fakePusher) received(endpoint uint64) []activities.PushEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]activities.PushEvent(nil), f.accepted[endpoint]...)
}

func (f *fakePusher) tries(endpoint uint64) []pushAttempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []pushAttempt
	for _, r := range f.attempts {
		if r.EndpointID == endpoint {
			out = append(out, r)
		}
	}
	return out
}

// withPusher registers p as the Push activity of h's workflow.
func (h *harness) withPusher(p *fakePusher) {
	h.env.RegisterActivityWithOptions(p.Push, activity.RegisterOptions{Name: "Push"})
}

func pushChannel(endpoints ...uint64) Channel {
	ch := demoChannel()
	ch.BusinessID = 1
	ch.PushEndpoints = endpoints
	return ch
}

func eventIDs(events []activities.PushEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.EventID
	}
	return out
}

func messageCodes(records []activities.MessageRecord) []string {
	out := make([]string, len(records))
	for i, m := range records {
		out[i] = m.MessageCode
	}
	return out
}

// requireRetriedInOrder checks what one endpoint was offered: every attempt
// a run of the events that starts where the accepted ones end, so a refused
// event comes back with the same id and nothing is skipped or reordered.
func requireRetriedInOrder(t *testing.T, tries []pushAttempt, accepted []activities.PushEvent) {
	t.Helper()
	next := 0
	for _, a := range tries {
		require.NotEmpty(t, a.Events)
		require.LessOrEqual(t, next+len(a.Events), len(accepted))
		require.Equal(t, eventIDs(accepted[next:next+len(a.Events)]), eventIDs(a.Events))
		if a.ok {
			next += len(a.Events)
		}
	}
	require.Equal(t, len(accepted), next)
}

func TestPushDeliversEveryEventInOrderThroughFailures(t *testing.T) {
	h := newHarness(t)
	// Endpoint 1 accepts at once; endpoint 2 refuses four attempts (at 0, 1, 3
	// and 7 seconds with the backoff) and accepts the fifth, at 15 seconds.
	p := newFakePusher(map[uint64]int{2: 4})
	h.withPusher(p)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.chat(time.Second, "版本是多少", ok(DescRobotChat))
	h.poll(2*time.Second, PollRequest{}, func(r PollResult) {
		require.Equal(t, []string{"欢迎欢迎，热烈欢迎", "当前版本是 2.0"}, contents(r.Messages), "the chat goes on while a receiver is down")
		require.Empty(t, p.received(2), "the failing receiver has nothing yet")
		require.Len(t, p.received(1), 4, "and holds nothing back from the healthy one")
	})
	h.chat(3*time.Second, "还有", ok(DescRobotChat))
	h.poll(4*time.Second, PollRequest{}, func(r PollResult) {
		require.Equal(t, []string{texts["zh"][textRobotUnsure]}, contents(r.Messages))
	})
	h.control(20*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	h.run(pushChannel(1, 2))

	want := messageCodes(h.store.messages())
	require.Len(t, want, 8)
	for _, endpoint := range []uint64{1, 2} {
		got := p.received(endpoint)
		require.Equal(t, want, eventIDs(got), "endpoint %d receives every message once, in order", endpoint)
		for i, e := range got {
			require.Equal(t, int64(i+1), e.Seq)
		}
	}
	requireRetriedInOrder(t, p.tries(1), p.received(1))
	tries := p.tries(2)
	require.Greater(t, len(tries), 4)
	for _, a := range tries[:5] {
		require.Equal(t, want[0], a.Events[0].EventID, "a refused event comes back with the same id")
	}
	require.True(t, tries[4].ok)
	requireRetriedInOrder(t, tries, p.received(2))

	got := p.received(1)
	connect, greeting, last := got[0], got[1], got[len(got)-1]
	require.Equal(t, activities.PushEvent{
		EventID: want[0], ConversationID: connect.ConversationID, Seq: 1, VisitorID: "u1", BusinessID: 1,
		ServiceName: "小C", Direction: activities.DirectionToService, At: connect.At, SkillGroup: 11,
		State: activities.StateOnline, SourceType: "CUSTOMER", ControlType: "CONNECT",
	}, connect)
	require.Equal(t, activities.DirectionToVisiter, greeting.Direction)
	require.Equal(t, "欢迎欢迎，热烈欢迎", greeting.Content)
	require.Equal(t, activities.StateOffline, last.State, "the closing notice is sent after the close")
	require.Equal(t, "SYSTEM", last.SourceType)
}

func TestPushNamesTheServingAgent(t *testing.T) {
	h := newHarness(t)
	p := newFakePusher(nil)
	h.withPusher(p)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.assign(2*time.Second, "agent1", "Amy")
	h.agentUpdate(3*time.Second, UpdateAgentSend, AgentSendRequest{AgentID: "agent1", Content: "您好"}, nil)
	h.chat(4*time.Second, "你好", ok(DescUserMessage))
	h.control(5*time.Second, ControlDisconnect, ok(DescDisconnect))
	h.run(pushChannel(1))

	byContent := map[string]activities.PushEvent{}
	for _, e := range p.received(1) {
		byContent[e.Content] = e
	}
	for _, content := range []string{"您好", "你好"} {
		e := byContent[content]
		require.Equal(t, "agent1", e.ServiceID, content)
		require.Equal(t, "Amy", e.ServiceName, content)
		require.Equal(t, activities.StateOnline, e.State, content)
	}
	require.Equal(t, activities.DirectionToVisiter, byContent["您好"].Direction)
	require.Equal(t, activities.DirectionToService, byContent["你好"].Direction)
}

func TestContinueAsNewCarriesPendingPushes(t *testing.T) {
	h := newHarness(t)
	h.withPusher(newFakePusher(map[uint64]int{1: -1}))
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.chat(time.Second, "版本", ok(DescRobotChat))
	h.poll(2*time.Second, PollRequest{}, func(r PollResult) { require.Len(t, r.Messages, 2) })
	h.chat(3*time.Second, "还有", ok(DescRobotChat))
	ch := pushChannel(1)
	h.env.ExecuteWorkflow(WorkflowName, State{Channel: ch, Visitor: Visitor{UserID: "u1"}, ContinueAsNewAfter: 4})
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next State
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Len(t, next.Pushes, 1)
	require.Len(t, next.Pushes[0].Events, int(next.NextSeq), "every message so far waits for the receiver")

	h2 := newHarness(t)
	p := newFakePusher(nil)
	h2.withPusher(p)
	h2.chat(0, "版本", ok(DescRobotChat))
	h2.control(time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	next.ContinueAsNewAfter = 0
	h2.env.ExecuteWorkflow(WorkflowName, next)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError())
	got := p.received(1)
	require.NotEmpty(t, got)
	for i, e := range got {
		require.Equal(t, int64(i+1), e.Seq, "both runs' events, in order, none lost")
		require.Equal(t, next.ConversationID, e.ConversationID)
	}
	require.Equal(t, h2.store.messages()[len(h2.store.messages())-1].MessageCode, got[len(got)-1].EventID)
}

func TestDeadReceiverNeitherHoldsTheVisitorNorTheRunForEver(t *testing.T) {
	h := newHarness(t)
	p := newFakePusher(map[uint64]int{1: -1})
	h.withPusher(p)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	// Long after the closing grace period the run still waits for the
	// receiver, and a CONNECT opens a new conversation in it at once.
	h.control(5*time.Minute, ControlConnect, ok(DescConnectRobot))
	h.poll(5*time.Minute+time.Second, PollRequest{}, func(r PollResult) {
		got := contents(r.Messages)
		require.Equal(t, "欢迎欢迎，热烈欢迎", got[len(got)-1], "greeted again")
		require.Len(t, h.store.conversations(), 2, "records are written whatever the receiver does")
	})
	h.control(6*time.Minute, ControlDisconnect, ok(DescDisconnectRobot))
	// The test environment ends unlimited retries after 10 attempts, where
	// the server goes on for the activity's whole window: a batch is then
	// dropped and the run ends.
	h.run(pushChannel(1))

	require.Empty(t, p.received(1))
	var offered []string
	for _, a := range p.tries(1) {
		require.GreaterOrEqual(t, a.window, 24*time.Hour, "each event is retried for at least a day")
		require.Equal(t, PushTaskQueue, a.taskQueue, "on the pushes' own workers")
		for _, id := range eventIDs(a.Events) {
			if len(offered) == 0 || offered[len(offered)-1] != id {
				offered = append(offered, id)
			}
		}
	}
	require.Contains(t, offered, messageCodes(h.store.messages())[len(h.store.messages())-1], "the last event was tried too")
}

func TestClosedRunWaitingForAReceiverContinuesAsNew(t *testing.T) {
	h := newHarness(t)
	h.withPusher(newFakePusher(map[uint64]int{1: -1}))
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	// The visitor's page goes on polling the closed conversation.
	h.poll(time.Minute, PollRequest{}, func(PollResult) {})
	h.env.ExecuteWorkflow(WorkflowName, State{Channel: pushChannel(1), Visitor: Visitor{UserID: "u1"}, ContinueAsNewAfter: 3})
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next State
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, PhaseClosed, next.Phase)
	require.NotEmpty(t, next.Pushes[0].Events)

	h2 := newHarness(t)
	p := newFakePusher(nil)
	h2.withPusher(p)
	next.ContinueAsNewAfter = 0
	h2.env.ExecuteWorkflow(WorkflowName, next)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError(), "the next run delivers the rest and ends")
	got := p.received(1)
	require.Len(t, got, 4)
	require.Equal(t, int64(1), got[0].Seq)
	require.Equal(t, activities.StateOffline, got[3].State)
}
