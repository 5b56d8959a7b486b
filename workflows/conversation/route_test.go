package conversation

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/agentdesk"
	"github.com/ccflow/ccflow/workflows/routing"
)

// fakeRouter records the requests a conversation sends routing.
type fakeRouter struct {
	mu      sync.Mutex
	notices []activities.RouteNotice
}

func (f *fakeRouter) Notify(_ context.Context, n activities.RouteNotice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, n)
	return nil
}

func (f *fakeRouter) all() []activities.RouteNotice {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]activities.RouteNotice(nil), f.notices...)
}

// lastEnqueue is the newest queue request, or nil.
func (f *fakeRouter) lastEnqueue() *routing.Entry {
	all := f.all()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Enqueue != nil {
			return all[i].Enqueue
		}
	}
	return nil
}

// fakeDesk records the events sent to agents' feeds.
type fakeDesk struct {
	mu     sync.Mutex
	events map[string][]agentdesk.Event
}

func (f *fakeDesk) signal(_, workflowID, _, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != agentdesk.SignalEvent {
		return nil
	}
	if f.events == nil {
		f.events = map[string][]agentdesk.Event{}
	}
	f.events[workflowID] = append(f.events[workflowID], arg.(agentdesk.Event))
	return nil
}

func (f *fakeDesk) types(agentID string) []agentdesk.EventType {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []agentdesk.EventType
	for _, e := range f.events[agentdesk.WorkflowID(agentID)] {
		out = append(out, e.Type)
	}
	return out
}

// assign plays routing: it hands the conversation's current queue entry to an agent.
func (h *harness) assign(at time.Duration, agentID, name string) {
	h.env.RegisterDelayedCallback(func() {
		e := h.router.lastEnqueue()
		require.NotNil(h.t, e, "assigned before any queue request")
		h.env.SignalWorkflow(routing.SignalAssigned, routing.Assignment{
			ConversationID: e.ConversationID, Ticket: e.Ticket, AgentID: agentID, AgentName: name,
		})
	}, at)
}

// agentUpdate runs an agent command; a nil check expects it to be accepted
// and succeed. A command naming no conversation is about the current one.
func (h *harness) agentUpdate(at time.Duration, name string, arg any, check func(res any, rejected error)) {
	h.env.RegisterDelayedCallback(func() {
		current := ""
		if e := h.router.lastEnqueue(); e != nil {
			current = e.ConversationID
		}
		switch r := arg.(type) {
		case AgentSendRequest:
			if r.ConversationID == "" {
				r.ConversationID = current
			}
			arg = r
		case AgentTransferRequest:
			if r.ConversationID == "" {
				r.ConversationID = current
			}
			arg = r
		case AgentCloseRequest:
			if r.ConversationID == "" {
				r.ConversationID = current
			}
			arg = r
		}
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) {
				require.NotNil(h.t, check, "%s rejected: %v", name, err)
				check(nil, err)
			},
			OnComplete: func(res any, err error) {
				require.NoError(h.t, err)
				if check != nil {
					check(res, nil)
				}
			},
		}, arg)
	}, at)
}

func refusedWith(t *testing.T, desc string) func(any, error) {
	return func(_ any, err error) {
		got, ok := AsRefusal(err)
		require.True(t, ok, "want a refusal, got %v", err)
		require.Equal(t, desc, got.Desc)
	}
}

func TestAgentChatsTransfersAndRoutingIsTold(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.assign(2*time.Second, "agent1", "Amy")
	h.chat(3*time.Second, "你好", ok(DescUserMessage))
	h.control(4*time.Second, ControlInput, ok(DescUserMessage))
	send := AgentSendRequest{AgentID: "agent1", DedupeKey: "a-1", Content: "您好，请问有什么可以帮您？"}
	var first Message
	h.agentUpdate(5*time.Second, UpdateAgentSend, send, func(res any, _ error) { first = res.(Message) })
	h.agentUpdate(6*time.Second, UpdateAgentSend, send, func(res any, _ error) {
		require.Equal(t, first.Seq, res.(Message).Seq, "a repeated agent send is applied once")
	})
	h.agentUpdate(7*time.Second, UpdateAgentSend, AgentSendRequest{AgentID: "agent2", Content: "x"},
		refusedWith(t, DescNotYourConversation))
	h.agentUpdate(7*time.Second, UpdateAgentSend, AgentSendRequest{AgentID: "agent1", ConversationID: "an-older-one", Content: "x"},
		refusedWith(t, DescNotYourConversation))
	h.agentUpdate(8*time.Second, UpdateAgentSend, AgentSendRequest{AgentID: "agent1"}, func(_ any, err error) {
		require.ErrorContains(t, err, "content")
	})
	h.poll(9*time.Second, PollRequest{}, func(r PollResult) {
		require.Contains(t, contents(r.Messages), "您好，请问有什么可以帮您？")
	})
	h.agentUpdate(10*time.Second, UpdateAgentTransfer, AgentTransferRequest{AgentID: "agent1", ToSkillGroupID: 12}, nil)
	h.state(11*time.Second, func(s Snapshot) {
		require.Equal(t, PhaseQueued, s.Phase)
		require.Equal(t, int64(12), s.SkillGroupID)
		require.Empty(t, s.AgentID)
	})
	h.assign(12*time.Second, "agent2", "Bob")
	h.agentUpdate(13*time.Second, UpdateAgentClose, AgentCloseRequest{AgentID: "agent1"}, refusedWith(t, DescNotYourConversation))
	h.agentUpdate(14*time.Second, UpdateAgentClose, AgentCloseRequest{AgentID: "agent2"}, nil)
	h.control(15*time.Second, ControlDisconnect, ok(DescDisconnect))
	h.run(demoChannel())

	var kinds []string
	var tickets []int64
	for _, n := range h.router.all() {
		if n.Enqueue != nil {
			kinds = append(kinds, "enqueue")
			tickets = append(tickets, n.Enqueue.Ticket)
		} else {
			kinds = append(kinds, "leave")
			tickets = append(tickets, n.Leave.Ticket)
		}
	}
	require.Equal(t, []string{"enqueue", "enqueue", "leave"}, kinds)
	require.Less(t, tickets[0], tickets[1], "the transfer's request is newer than the first wait")
	require.Equal(t, tickets[1], tickets[2], "the leave names the request it ends")
	second := h.router.all()[1].Enqueue
	require.Equal(t, int64(12), second.SkillGroupID)
	require.Equal(t, "agent1", second.FromAgentID)

	require.Equal(t, []agentdesk.EventType{agentdesk.EventMessage, agentdesk.EventTyping, agentdesk.EventTransferred}, h.desk.types("agent1"))
	require.Equal(t, []agentdesk.EventType{agentdesk.EventClosed}, h.desk.types("agent2"))
	conv := h.store.lastConversation()
	require.Equal(t, "agent2", conv.AgentID)
	require.Equal(t, int64(12), conv.SkillGroupID)
	require.Equal(t, "agent", conv.CloseReason)
	got := h.store.contents()
	require.Contains(t, got, "AGENT:您好，请问有什么可以帮您？")
	require.Contains(t, got, "SYSTEM:"+texts["zh"][textTransferring])
}

func TestStaleAssignmentIsHandedBack(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.control(2*time.Second, ControlDisconnect, ok(DescDisconnect))
	// Routing chose an agent just as the visitor left.
	h.assign(3*time.Second, "agent1", "Amy")
	h.run(demoChannel())

	all := h.router.all()
	require.Len(t, all, 3)
	require.NotNil(t, all[1].Leave, "abandoning the queue tells routing")
	require.NotNil(t, all[2].Leave, "the late assignment is handed back")
	require.Equal(t, all[0].Enqueue.Ticket, all[2].Leave.Ticket)
	require.NotContains(t, h.store.contents(), "SYSTEM:已接通座席。")
	require.Empty(t, h.store.lastConversation().AgentID)
}

func TestRequeuedWhenTheAgentGoesOffline(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.assign(2*time.Second, "agent1", "Amy")
	h.env.RegisterDelayedCallback(func() {
		e := h.router.lastEnqueue()
		h.env.SignalWorkflow(routing.SignalRequeued, routing.Requeue{ConversationID: e.ConversationID, Ticket: e.Ticket, AgentID: "agent1"})
	}, 3*time.Second)
	h.state(4*time.Second, func(s Snapshot) {
		require.Equal(t, PhaseQueued, s.Phase)
		require.Empty(t, s.AgentID)
	})
	h.assign(5*time.Second, "agent2", "Bob")
	h.state(6*time.Second, func(s Snapshot) {
		require.Equal(t, PhaseAgent, s.Phase)
		require.Equal(t, "agent2", s.AgentID)
	})
	h.control(7*time.Second, ControlDisconnect, ok(DescDisconnect))
	h.run(demoChannel())

	all := h.router.all()
	require.Len(t, all, 2, "routing queued the conversation itself: one queue request, one leave")
	require.Contains(t, h.store.contents(), "SYSTEM:"+texts["zh"][textRequeued])
	require.Equal(t, "agent2", h.store.lastConversation().AgentID)
}

// TestAgentActingAtOnceOnTheirAssignment sends the assignment and the
// agent's first message together, as when the console answers the moment
// its feed shows the chat: the message must not be refused as not theirs,
// and anyone else still is. (The test environment applies the signal first;
// on a real server the update's validator can run before the signal's
// coroutine, which routingPending covers; TestScaledOutRoles acts that fast.)
func TestAgentActingAtOnceOnTheirAssignment(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	var sent Message
	h.env.RegisterDelayedCallback(func() {
		e := h.router.lastEnqueue()
		h.env.SignalWorkflow(routing.SignalAssigned, routing.Assignment{ConversationID: e.ConversationID, Ticket: e.Ticket, AgentID: "agent1", AgentName: "Amy"})
		h.env.UpdateWorkflow(UpdateAgentSend, "", &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { t.Errorf("first message refused: %v", err) },
			OnComplete: func(res any, err error) { require.NoError(t, err); sent = res.(Message) },
		}, AgentSendRequest{AgentID: "agent1", ConversationID: e.ConversationID, Content: "您好"})
	}, 2*time.Second)
	// Another agent acting on the same moment is still refused, by the handler.
	h.env.RegisterDelayedCallback(func() {
		e := h.router.lastEnqueue()
		h.env.UpdateWorkflow(UpdateAgentClose, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { refusedWith(t, DescNotYourConversation)(nil, err) },
			OnComplete: func(_ any, err error) {
				got, isRefusal := AsRefusal(err)
				require.True(t, isRefusal, "want a refusal, got %v", err)
				require.Equal(t, DescNotYourConversation, got.Desc)
			},
		}, AgentCloseRequest{AgentID: "agent2", ConversationID: e.ConversationID})
	}, 3*time.Second)
	h.control(4*time.Second, ControlDisconnect, ok(DescDisconnect))
	h.run(demoChannel())
	require.Equal(t, "您好", sent.Content)
	require.Contains(t, h.store.contents(), "AGENT:您好")
}
