package routing

import (
	"context"
	"encoding/json"
	"errors"
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

// harness runs the routing workflow with the conversations and feeds it
// signals played by the test.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu sync.Mutex
	// assigned and requeued are what routing told conversations, in order.
	assigned []Assignment
	requeued []Requeue
	// gone names conversation workflows that no longer exist.
	gone map[string]bool
	// unreachable makes Assigner.Tell fail for a batch naming one of these
	// workflows, as when Temporal cannot reach them past the activity's retries.
	unreachable map[string]bool
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment(), gone: map[string]bool{}}
	h.env.RegisterWorkflowWithOptions(RoutingWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", mock.Anything, mock.Anything).Return(h.signal)
	h.env.RegisterActivity(&Assigner{})
	h.env.OnActivity("Tell", mock.Anything, mock.Anything).Return(h.tell)
	h.env.SetStartTime(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	return h
}

func (h *harness) signal(_, workflowID, _, name string, arg any) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch name {
	case SignalAssigned:
		if h.gone[workflowID] {
			return errors.New("workflow not found")
		}
		h.assigned = append(h.assigned, arg.(Assignment))
	case SignalRequeued:
		if h.gone[workflowID] {
			return errors.New("workflow not found")
		}
		h.requeued = append(h.requeued, arg.(Requeue))
	}
	return nil
}

// tell plays Assigner.Tell: the assignments reach their conversations,
// except those h.gone names, which it answers as gone.
func (h *harness) tell(_ context.Context, batch []AssignNotice) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range batch {
		if h.unreachable[n.WorkflowID] {
			return nil, errors.New("frontend unreachable")
		}
	}
	var gone []string
	for _, n := range batch {
		if h.gone[n.WorkflowID] {
			gone = append(gone, n.Assignment.ConversationID)
			continue
		}
		h.assigned = append(h.assigned, n.Assignment)
	}
	return gone, nil
}

func (h *harness) at(d time.Duration, f func()) { h.env.RegisterDelayedCallback(f, d) }

// status sets an agent's presence; check, when given, sees routing's answer.
func (h *harness) status(s AgentStatus, check func(Agent)) {
	h.env.UpdateWorkflow(UpdateAgentStatus, "", &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { require.NoError(h.t, err) },
		OnComplete: func(res any, err error) {
			require.NoError(h.t, err)
			if check != nil {
				check(res.(Agent))
			}
		},
	}, s)
}

func (h *harness) queues() Queues {
	v, err := h.env.QueryWorkflow(QueryQueues, h.env.Now())
	require.NoError(h.t, err)
	var q Queues
	require.NoError(h.t, v.Get(&q))
	return q
}

func (h *harness) queueInfo(workflowID string) QueueInfo {
	v, err := h.env.QueryWorkflow(QueryQueueInfo, QueueInfoRequest{WorkflowID: workflowID})
	require.NoError(h.t, err)
	var qi QueueInfo
	require.NoError(h.t, v.Get(&qi))
	return qi
}

// run executes until the last callback cancels the workflow.
func (h *harness) run(st State, end time.Duration) {
	h.at(end, h.env.CancelWorkflow)
	h.env.ExecuteWorkflow(WorkflowName, st)
	require.True(h.t, h.env.IsWorkflowCompleted())
	var canceled *temporal.CanceledError
	require.ErrorAs(h.t, h.env.GetWorkflowError(), &canceled)
}

func (h *harness) assignedTo() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	for _, a := range h.assigned {
		out[a.ConversationID] = a.AgentID
	}
	return out
}

func entry(id string, group int64, queuedAt time.Time) Entry {
	return Entry{ConversationID: id, WorkflowID: "conv:c:" + id, UserID: id, SkillGroupID: group, Ticket: 1, QueuedAt: queuedAt, MaxWait: 5 * time.Minute}
}

var start = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func ready(id string, capacity int, groups ...int64) AgentStatus {
	return AgentStatus{AgentID: id, Name: id, SkillGroups: groups, Capacity: capacity, Status: StatusReady}
}

func TestLongestWaitingGoesToAgentIdleLongest(t *testing.T) {
	h := newHarness(t)
	// Queued in the order c3, c1, c2 while nobody is ready; the signals arrive in another order.
	h.at(time.Second, func() {
		h.env.SignalWorkflow(SignalEnqueue, entry("c1", 11, start.Add(500*time.Millisecond)))
		h.env.SignalWorkflow(SignalEnqueue, entry("c2", 11, start.Add(900*time.Millisecond)))
		h.env.SignalWorkflow(SignalEnqueue, entry("c3", 11, start.Add(100*time.Millisecond)))
		h.env.SignalWorkflow(SignalEnqueue, entry("c4", 12, start))
	})
	h.at(2*time.Second, func() {
		h.status(ready("a1", 1, 11), nil)
		h.status(AgentStatus{AgentID: "a3", SkillGroups: []int64{12}, Capacity: 1, Status: StatusNotReady}, nil)
	})
	h.at(3*time.Second, func() { h.status(ready("a2", 1, 11), nil) })
	h.at(4*time.Second, func() {
		require.Equal(t, map[string]string{"c3": "a1", "c1": "a2"}, h.assignedTo(), "the longest-waiting first")
		qi := h.queueInfo("conv:c:c2")
		require.True(t, qi.Found)
		require.Equal(t, 1, qi.Position)
		require.Equal(t, 3, qi.TotalWaitTime)
		require.Equal(t, 2, qi.EstimateWaitTime, "mean of 1.9 s and 2.5 s")
		require.Equal(t, 300, qi.ConfigMaxcWaitTime)
		require.False(t, h.queueInfo("conv:c:c1").Found, "an assigned conversation is not queued")
		require.Equal(t, 1, h.queueInfo("conv:c:c4").Position, "a NOT_READY agent gets nothing")
	})
	// a1 frees a slot: c2 goes to a1.
	h.at(10*time.Second, func() { h.env.SignalWorkflow(SignalLeave, Leave{ConversationID: "c3", Ticket: 1}) })
	h.at(11*time.Second, func() {
		require.Equal(t, "a1", h.assignedTo()["c2"])
		q := h.queues()
		require.Len(t, q.Waiting, 1)
		require.Equal(t, 4, q.Estimates[11], "mean of 1.9 s, 2.5 s and 9.1 s")
	})
	// Both free: the next chat goes to a2, idle since 3 s, not a1, busy until 10 s.
	h.at(12*time.Second, func() {
		h.env.SignalWorkflow(SignalLeave, Leave{ConversationID: "c2", Ticket: 1})
		h.env.SignalWorkflow(SignalLeave, Leave{ConversationID: "c1", Ticket: 1})
	})
	h.at(13*time.Second, func() { h.env.SignalWorkflow(SignalEnqueue, entry("c5", 11, start.Add(13*time.Second))) })
	h.at(14*time.Second, func() { require.Equal(t, "a2", h.assignedTo()["c5"]) })
	h.run(State{TenantID: "demo"}, time.Minute)
}

func TestCapacityDecreaseAndOffline(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		for _, id := range []string{"c1", "c2", "c3", "c4"} {
			h.env.SignalWorkflow(SignalEnqueue, entry(id, 11, start.Add(time.Duration(id[1]-'0')*time.Millisecond)))
		}
	})
	h.at(2*time.Second, func() { h.status(ready("a1", 3, 11), nil) })
	h.at(3*time.Second, func() {
		h.status(ready("a1", 1, 11), func(a Agent) {
			require.Len(t, a.Conversations, 3, "lowering capacity takes nothing away")
		})
	})
	h.at(4*time.Second, func() { h.env.SignalWorkflow(SignalLeave, Leave{ConversationID: "c1", Ticket: 1}) })
	h.at(5*time.Second, func() {
		require.NotContains(t, h.assignedTo(), "c4", "no new chat while at or above the new capacity")
		h.status(AgentStatus{AgentID: "a1", SkillGroups: []int64{11}, Capacity: 1, Status: StatusOffline}, func(a Agent) {
			require.Empty(t, a.Conversations)
		})
	})
	h.at(6*time.Second, func() {
		q := h.queues()
		require.Len(t, q.Waiting, 3)
		require.Equal(t, []string{"c2", "c3", "c4"}, ids(q.Waiting), "requeued chats keep their place")
		require.Equal(t, "a1", q.Waiting[0].FromAgentID)
		require.Len(t, h.requeued, 2)
		h.status(ready("a2", 1, 11), func(a Agent) {
			require.Len(t, a.Conversations, 1)
			require.Equal(t, "c2", a.Conversations[0].ConversationID)
		})
	})
	h.run(State{TenantID: "demo"}, time.Minute)
}

func ids(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ConversationID
	}
	return out
}

func TestTransferToAgentAndGoneConversation(t *testing.T) {
	h := newHarness(t)
	h.gone["conv:c:ghost"] = true
	h.at(time.Second, func() {
		h.status(ready("a1", 1, 11), nil)
		h.status(AgentStatus{AgentID: "a2", SkillGroups: []int64{12}, Capacity: 1, Status: StatusNotReady}, nil)
	})
	h.at(2*time.Second, func() { h.env.SignalWorkflow(SignalEnqueue, entry("ghost", 11, start)) })
	h.at(3*time.Second, func() {
		require.Empty(t, h.queues().Agents[0].Conversations, "an assignment to a conversation that is gone frees the agent")
		h.env.SignalWorkflow(SignalEnqueue, entry("c1", 11, start.Add(time.Second)))
	})
	h.at(4*time.Second, func() {
		require.Equal(t, "a1", h.assignedTo()["c1"])
		e := entry("c1", 11, start.Add(4*time.Second))
		e.Ticket, e.TargetAgentID = 2, "a2"
		h.env.SignalWorkflow(SignalEnqueue, e)
	})
	// An activity retry of the first request changes nothing.
	h.at(5*time.Second, func() { h.env.SignalWorkflow(SignalEnqueue, entry("c1", 11, start.Add(time.Second))) })
	h.at(6*time.Second, func() {
		q := h.queues()
		require.Empty(t, q.Agents[0].Conversations, "the transfer frees a1")
		require.Len(t, q.Waiting, 1)
		require.Equal(t, int64(2), q.Waiting[0].Ticket)
		require.Equal(t, "a1", q.Waiting[0].FromAgentID)
		h.status(ready("a1", 1, 11), func(a Agent) { require.Empty(t, a.Conversations, "only the named agent may take it") })
	})
	h.at(7*time.Second, func() {
		h.status(ready("a2", 1, 12), func(a Agent) { require.Len(t, a.Conversations, 1) })
	})
	h.run(State{TenantID: "demo"}, time.Minute)
}

// TestFailedTellKeepsTheAssignment: when the batch cannot be told at all,
// routing keeps the agents holding their conversations (a conversation that
// never heard leaves at its maximum wait, which frees the agent) and goes on
// routing the others.
func TestFailedTellKeepsTheAssignment(t *testing.T) {
	h := newHarness(t)
	h.unreachable = map[string]bool{"conv:c:c1": true}
	h.at(time.Second, func() { h.status(ready("a1", 2, 11), nil) })
	h.at(2*time.Second, func() { h.env.SignalWorkflow(SignalEnqueue, entry("c1", 11, start)) })
	h.at(3*time.Second, func() { h.env.SignalWorkflow(SignalEnqueue, entry("c2", 11, start.Add(time.Second))) })
	h.at(4*time.Second, func() {
		require.Equal(t, map[string]string{"c2": "a1"}, h.assignedTo(), "routing goes on while one batch fails")
	})
	h.at(2*time.Minute, func() {
		q := h.queues()
		require.Empty(t, q.Waiting)
		require.Len(t, q.Agents[0].Conversations, 2, "after the retries end the agent still holds the conversation it was given")
		require.Equal(t, map[string]string{"c2": "a1"}, h.assignedTo(), "c1 was never told")
		h.env.SignalWorkflow(SignalLeave, Leave{ConversationID: "c1", Ticket: 1})
	})
	h.at(2*time.Minute+time.Second, func() {
		require.Len(t, h.queues().Agents[0].Conversations, 1, "the leave at c1's maximum wait frees its slot")
	})
	h.run(State{TenantID: "demo"}, 3*time.Minute)
}

func TestContinueAsNewCarriesQueuesAndAgents(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.status(ready("a1", 1, 11), nil) })
	h.at(2*time.Second, func() {
		for _, id := range []string{"c1", "c2", "c3"} {
			h.env.SignalWorkflow(SignalEnqueue, entry(id, 11, start))
		}
	})
	h.env.ExecuteWorkflow(WorkflowName, State{TenantID: "demo", ContinueAsNewAfter: 4})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next State
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Len(t, next.Queue, 2)
	require.Len(t, next.Agents, 1)
	require.Len(t, next.Agents[0].Conversations, 1)
	require.Len(t, next.Waits, 1)
}

func TestBadAgentStatusIsRefused(t *testing.T) {
	h := newHarness(t)
	for i, s := range []AgentStatus{
		{AgentID: "", Capacity: 1, Status: StatusReady},
		{AgentID: "a1", Capacity: 1, Status: "BUSY"},
		{AgentID: "a1", Capacity: 0, Status: StatusReady},
	} {
		h.at(time.Duration(i+1)*time.Second, func() {
			h.env.UpdateWorkflow(UpdateAgentStatus, "", &testsuite.TestUpdateCallback{
				OnAccept:   func() { t.Errorf("status %+v accepted", s) },
				OnReject:   func(err error) { require.Error(t, err) },
				OnComplete: func(any, error) {},
			}, s)
		})
	}
	h.at(5*time.Second, func() { require.Empty(t, h.queues().Agents) })
	h.run(State{TenantID: "demo"}, time.Minute)
}

func TestAwayAgentGoesOfflineAndTheirChatsAreRequeued(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.status(ready("a1", 2, 11), nil) })
	h.at(2*time.Second, func() { h.env.SignalWorkflow(SignalEnqueue, entry("c1", 11, start.Add(time.Second))) })
	h.at(3*time.Second, func() { h.env.SignalWorkflow(SignalAgentAway, AgentAway{AgentID: "a1"}) })
	h.at(4*time.Second, func() {
		q := h.queues()
		require.Equal(t, StatusOffline, q.Agents[0].Status)
		require.Equal(t, 2, q.Agents[0].Capacity, "settings are kept")
		require.Equal(t, []string{"c1"}, ids(q.Waiting))
		require.Len(t, h.requeued, 1)
	})
	// An away signal for an unknown agent changes nothing.
	h.at(5*time.Second, func() { h.env.SignalWorkflow(SignalAgentAway, AgentAway{AgentID: "ghost"}) })
	h.at(6*time.Second, func() { require.Len(t, h.queues().Agents, 1) })
	h.run(State{TenantID: "demo"}, 2*time.Minute)
}

func TestDetailsSummariseQueuesForOperators(t *testing.T) {
	r := &router{State: State{
		Queue: []Entry{entry("c1", 11, start), entry("c2", 11, start.Add(30*time.Second)), entry("c3", 12, start)},
		Agents: []Agent{
			{ID: "a1", SkillGroups: []int64{11}, Capacity: 3, Status: StatusReady, Conversations: []Held{{ConversationID: "c0"}}},
			{ID: "a2", SkillGroups: []int64{11, 12}, Capacity: 2, Status: StatusNotReady},
		},
	}}
	since := start.UTC().Format("2006-01-02 15:04:05 UTC")
	require.Equal(t, "group 11: 2 waiting since "+since+", 1 agents ready with 1/3 chats; group 12: 1 waiting since "+since+", 0 agents ready with 0/0 chats",
		r.details())
	r.Queue = r.Queue[2:]
	require.Equal(t, "group 11: none waiting, 1 agents ready with 1/3 chats; group 12: 1 waiting since "+since+", 0 agents ready with 0/0 chats",
		r.details())
	require.Equal(t, "no queues or agents yet", (&router{}).details())
}

func TestQueueInfoForAConversationRoutingHasNotSeenYet(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		h.env.SignalWorkflow(SignalEnqueue, entry("c1", 11, start))
		h.env.SignalWorkflow(SignalEnqueue, entry("c2", 12, start))
	})
	h.at(10*time.Second, func() {
		v, err := h.env.QueryWorkflow(QueryQueueInfo, QueueInfoRequest{
			WorkflowID: "conv:c:new", SkillGroupID: 11, QueuedAt: start.Add(8 * time.Second), MaxWait: time.Minute,
		})
		require.NoError(t, err)
		var qi QueueInfo
		require.NoError(t, v.Get(&qi))
		require.Equal(t, QueueInfo{
			Found: true, SkillGroupID: 11, Position: 2, TotalWaitTime: 2, CurrentDeviceWaitTime: 6,
			ConfigMaxcWaitTime: 60, LongestWaitTime: 10,
		}, qi, "last in line behind c1, the only other wait in group 11")
		require.Len(t, h.queues().Waiting, 2, "a query changes nothing")
	})
	h.run(State{TenantID: "demo"}, time.Minute)
}

// TestQueueInfoAnswersAtTheCallersTime: a visitor waiting alone sees the
// wait grow with each query, though routing handles nothing meanwhile.
func TestQueueInfoAnswersAtTheCallersTime(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.env.SignalWorkflow(SignalEnqueue, entry("c1", 11, start.Add(time.Second))) })
	h.at(2*time.Second, func() {
		for _, later := range []time.Duration{0, 30 * time.Second, 95 * time.Second} {
			v, err := h.env.QueryWorkflow(QueryQueueInfo, QueueInfoRequest{Now: start.Add(2*time.Second + later), WorkflowID: "conv:c:c1"})
			require.NoError(t, err)
			var qi QueueInfo
			require.NoError(t, v.Get(&qi))
			wait := int((time.Second + later) / time.Second)
			require.Equal(t, wait, qi.TotalWaitTime, "queried %s later", later)
			require.Equal(t, wait, qi.LongestWaitTime)
			require.Equal(t, wait, qi.CurrentDeviceWaitTime)
		}
	})
	h.run(State{TenantID: "demo"}, time.Minute)
}

// Routing's search attributes (issue 11) name the skill groups it holds
// queues or agents for and its agents who are not offline, sorted.
func TestSearchAttributeValues(t *testing.T) {
	r := &router{State: State{
		Queue: []Entry{entry("c1", 12, start), entry("c2", 14, start)},
		Agents: []Agent{
			{ID: "b2", SkillGroups: []int64{11, 12}, Status: StatusReady},
			{ID: "a1", SkillGroups: []int64{11}, Status: StatusNotReady},
			{ID: "c3", SkillGroups: []int64{13}, Status: StatusOffline},
		},
	}}
	groups, agents := r.indexValues()
	require.Equal(t, []string{"11", "12", "13", "14"}, groups)
	require.Equal(t, []string{"a1", "b2"}, agents)
	groups, agents = (&router{}).indexValues()
	require.Empty(t, groups)
	require.Empty(t, agents)
}

// Durations in routing's payloads read well in Temporal UI and old
// payloads (nanoseconds) still decode (issue 11).
func TestDurationsAreReadableInPayloads(t *testing.T) {
	e := entry("c1", 11, start)
	e.MaxWait = 5 * time.Minute
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"MaxWait":"5m0s"`)
	require.NotContains(t, string(raw), "300000000000")
	var back Entry
	require.NoError(t, json.Unmarshal(raw, &back))
	require.Equal(t, e, back)
	require.NoError(t, json.Unmarshal([]byte(`{"ConversationID":"c1","MaxWait":300000000000}`), &back))
	require.Equal(t, 5*time.Minute, back.MaxWait)

	raw, err = json.Marshal(State{Waits: []Wait{{SkillGroupID: 11, Wait: 95 * time.Second, At: start}}})
	require.NoError(t, err)
	require.Contains(t, string(raw), `"Wait":"1m35s"`)
}
