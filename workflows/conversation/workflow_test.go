package conversation

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/routing"
)

// TestLoadThenRobotAnswersQuestionsInOrder: the workflow loads the
// conversation the API opened, and each question the visitor signals gets a
// Robot turn, in order, each reading the log after the last one answered.
func TestLoadThenRobotAnswersQuestionsInOrder(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.log.known["版本"], h.log.known["网格"] = true, true
	h.at(time.Second, func() {
		s := h.snapshot()
		require.Equal(t, PhaseRobot, s.Phase)
		require.Equal(t, "demo", s.TenantID)
		require.Equal(t, "visitor-1", s.UserID)
		h.ask("版本") // seq 3, answered as 4
	})
	h.at(2*time.Second, func() {
		h.ask("网格")  // seq 5
		h.ask("什么鬼") // seq 6, a miss; answers 7 and 8
	})
	disconnect := &outcome{}
	h.at(3*time.Second, func() { disconnect = h.command(ControlDisconnect, "k1") })
	h.start()

	require.Equal(t, 1, h.log.loads)
	var after []int64
	var turns []int
	for _, c := range h.log.robotCalls {
		require.Equal(t, "c1", c.ConversationID)
		require.Equal(t, "demo", c.TenantID)
		require.Equal(t, "小C", c.RobotName)
		require.False(t, c.HandOff)
		after, turns = append(after, c.AfterSeq), append(turns, c.Turn)
	}
	require.Equal(t, []int64{0, 3, 5}, after)
	require.Equal(t, []int{1, 2, 3}, turns)
	require.Equal(t, []string{"欢迎", "answer to 版本", "answer to 网格", Text("zh", textRobotUnsure)}, h.log.contents(SourceRobot))
	require.Equal(t, SendResult{CodeOK, DescDisconnectRobot}, disconnect.sendResult(t))
	require.Equal(t, []string{string(PhaseClosed)}, h.log.appliedPhases())
	require.Equal(t, "customer", h.log.closeReason)
	require.Empty(t, h.log.notices, "a robot-only conversation never involves routing")
}

// TestRobotMissesHandOffToTheQueue: the RobotMaxMisses-th miss in a row,
// while agents work, hands the visitor to the queue: one transition to
// QUEUED with the robot's hand-off line and the queue notice, and routing
// is asked to queue the conversation.
func TestRobotMissesHandOffToTheQueue(t *testing.T) {
	ch := channel()
	ch.RobotMaxMisses, ch.MaxQueueWait = 2, 5*time.Minute
	h := newHarness(t, PhaseRobot, ch)
	h.at(time.Second, func() { h.ask("嗯？") })
	h.at(2*time.Second, func() { h.ask("啊？") })
	h.phaseAt(3*time.Second, PhaseQueued)
	h.at(4*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Len(t, h.log.robotCalls, 2)
	require.False(t, h.log.robotCalls[0].HandOff)
	require.True(t, h.log.robotCalls[1].HandOff, "the second miss of two allowed hands off")
	var queued applied
	for _, tr := range h.log.transitions {
		if tr.Phase == string(PhaseQueued) {
			queued = tr
		}
	}
	require.True(t, queued.Applied)
	require.Equal(t, []string{string(PhaseRobot)}, queued.FromPhases)
	require.Equal(t, int64(1), queued.Number)
	require.NotNil(t, queued.Set.QueuedAt)
	require.Equal(t, t0.Add(2*time.Second), queued.Set.QueuedAt.UTC())
	require.Len(t, queued.Messages, 2)
	require.Equal(t, Text("zh", textRobotHandoff), queued.Messages[0].Content)
	require.Equal(t, string(SourceRobot), queued.Messages[0].SenderType)
	require.Equal(t, Text("zh", textQueued), queued.Messages[1].Content)

	e := h.log.enqueues()
	require.Len(t, e, 1)
	require.Equal(t, routing.Entry{
		ConversationID: "c1", WorkflowID: "default-test-workflow-id", UserID: "visitor-1", UserName: "Ann",
		SkillGroupID: 11, Ticket: 1, QueuedAt: t0.Add(2 * time.Second), MaxWait: 5 * time.Minute,
	}, normEntry(e[0]))
	require.Equal(t, []routing.Leave{{ConversationID: "c1", Ticket: 1}}, h.log.leaves(), "leaving the queue tells routing")
}

// TestRobotMissesOutsideWorkingHoursStayWithTheRobot: without agents at work
// the robot keeps answering that it is unsure, however many misses.
func TestRobotMissesOutsideWorkingHoursStayWithTheRobot(t *testing.T) {
	ch := channel()
	ch.RobotMaxMisses, ch.WorkingHours = 2, "sun closed"
	h := newHarness(t, PhaseRobot, ch)
	for i := range 3 {
		h.at(time.Duration(i+1)*time.Second, func() { h.ask("嗯？") })
	}
	h.phaseAt(4*time.Second, PhaseRobot)
	h.at(5*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Len(t, h.log.robotCalls, 3)
	for _, c := range h.log.robotCalls {
		require.False(t, c.HandOff)
	}
	require.Len(t, h.log.contents(SourceRobot), 4, "greeting and three unsure answers")
	require.Empty(t, h.log.notices)
}

// TestTrans2Agent covers the visitor's transfer: from the robot it queues
// and asks routing; again while queued it answers success and changes
// nothing; a repeated key gets the first answer; while an agent serves the
// validator refuses with the spec's text.
func TestTrans2Agent(t *testing.T) {
	ch := channel()
	ch.MaxQueueWait = time.Hour
	h := newHarness(t, PhaseRobot, ch)
	var first, again, repeat, serving *outcome
	h.at(time.Second, func() { first = h.command(ControlTrans2Agent, "k1") })
	h.at(2*time.Second, func() { again = h.command(ControlTrans2Agent, "k2") })
	h.at(3*time.Second, func() { repeat = h.command(ControlTrans2Agent, "k1") })
	h.at(4*time.Second, func() { h.assign("a1") })
	h.at(5*time.Second, func() { serving = h.command(ControlTrans2Agent, "k3") })
	h.at(6*time.Second, func() {
		require.Equal(t, PhaseAgent, h.snapshot().Phase)
		h.update(UpdateAgentClose, AgentCloseRequest{AgentID: "a1", ConversationID: "c1"})
	})
	h.at(7*time.Second, func() {
		h.log.rate()
		h.env.SignalWorkflow(SignalRated, nil)
	})
	h.start()

	require.Equal(t, SendResult{CodeOK, DescTransferOK}, first.sendResult(t))
	require.Equal(t, SendResult{CodeOK, DescTransferOK}, again.sendResult(t))
	require.Equal(t, SendResult{CodeOK, DescTransferOK}, repeat.sendResult(t))
	require.Equal(t, SendResult{CodeFailed, DescTransferIsAgent}, serving.refusal(t))
	require.Equal(t, []string{string(PhaseQueued), string(PhaseAgent), string(PhaseSatisfaction), string(PhaseClosed)},
		h.log.appliedPhases(), "one transfer, however often asked")
	e := h.log.enqueues()
	require.Len(t, e, 1)
	require.Equal(t, int64(11), e[0].SkillGroupID)
	require.Equal(t, t0.Add(time.Second), e[0].QueuedAt.UTC())
}

// TestTrans2AgentOutsideWorkingHours: code 12, a notice to the visitor in a
// transition that keeps the phase, and no routing.
func TestTrans2AgentOutsideWorkingHours(t *testing.T) {
	ch := channel()
	ch.WorkingHours = "sun closed"
	h := newHarness(t, PhaseRobot, ch)
	var res *outcome
	h.at(time.Second, func() { res = h.command(ControlTrans2Agent, "") })
	h.phaseAt(2*time.Second, PhaseRobot)
	h.at(3*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Equal(t, SendResult{CodeNotWorkingHrs, DescNotWorkingHours}, res.sendResult(t))
	require.True(t, h.log.transitions[0].Applied)
	require.Empty(t, h.log.transitions[0].Phase, "the notice changes no phase")
	require.Equal(t, Text("zh", textNoAgentHours), h.log.transitions[0].Messages[0].Content)
	require.Equal(t, []string{string(PhaseClosed)}, h.log.appliedPhases())
	require.Empty(t, h.log.notices)
}

// TestAssignmentConnectsTheAgent: routing's SignalAssigned makes the agent
// the conversation's server in one transition with the "connected" notice
// and an "assigned" event in the agent's feed.
func TestAssignmentConnectsTheAgent(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(2*time.Second, func() { h.assign("a1") })
	h.at(3*time.Second, func() {
		s := h.snapshot()
		require.Equal(t, PhaseAgent, s.Phase)
		require.Equal(t, "a1", s.AgentID)
		require.Equal(t, "Agent a1", s.AgentName)
		require.Equal(t, t0.Add(2*time.Second), s.AssignedAt.UTC())
	})
	h.at(4*time.Second, func() { h.command(ControlDisconnect, "") })
	h.at(5*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	var agent applied
	for _, tr := range h.log.transitions {
		if tr.Phase == string(PhaseAgent) {
			agent = tr
		}
	}
	require.True(t, agent.Applied)
	require.Equal(t, []string{string(PhaseQueued)}, agent.FromPhases)
	require.Equal(t, "a1", *agent.Set.AgentID)
	require.True(t, *agent.Set.AgentJoined)
	require.Equal(t, Text("zh", textConnected), agent.Messages[0].Content)
	require.Equal(t, []activities.AgentEvent{{AgentID: "a1", Type: "assigned", ConversationID: "c1"}}, agent.Events)
	// The visitor's DISCONNECT while an agent serves asks for a rating; a
	// second one closes without it.
	require.Equal(t, []string{string(PhaseQueued), string(PhaseAgent), string(PhaseSatisfaction), string(PhaseClosed)}, h.log.appliedPhases())
	require.Equal(t, []activities.AgentEvent{
		{AgentID: "a1", Type: "assigned", ConversationID: "c1"},
		{AgentID: "a1", Type: "closed", ConversationID: "c1"},
	}, h.log.events)
	require.Equal(t, []routing.Leave{{ConversationID: "c1", Ticket: 1}}, h.log.leaves())
}

// TestRepeatedAssignmentIsIgnored: routing tells a batch again when its
// local activity is retried; the same assignment arriving twice changes
// nothing and is not handed back (that would free the serving agent).
func TestRepeatedAssignmentIsIgnored(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(2*time.Second, func() { h.assign("a1") })
	h.at(3*time.Second, func() { h.assign("a1") })
	h.at(4*time.Second, func() {
		s := h.snapshot()
		require.Equal(t, PhaseAgent, s.Phase)
		require.Equal(t, "a1", s.AgentID)
	})
	h.at(5*time.Second, func() { h.assign("a2") })
	h.phaseAt(6*time.Second, PhaseAgent)
	h.at(7*time.Second, func() { h.command(ControlDisconnect, "") })
	h.at(8*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Equal(t, []string{string(PhaseQueued), string(PhaseAgent), string(PhaseSatisfaction), string(PhaseClosed)}, h.log.appliedPhases())
	require.Equal(t, []routing.Leave{
		{ConversationID: "c1", Ticket: 1}, // another agent's assignment is handed back
		{ConversationID: "c1", Ticket: 1}, // the close
	}, h.log.leaves(), "the repeat of a1's assignment is not handed back")
}

// TestStaleAssignmentIsHandedBack: an assignment for an older ticket (or
// another conversation) changes nothing and is handed back with a Leave
// carrying the assignment's own ticket, so routing frees the agent's slot.
func TestStaleAssignmentIsHandedBack(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(2*time.Second, func() {
		h.env.SignalWorkflow(routing.SignalAssigned, routing.Assignment{ConversationID: "c1", Ticket: 0, AgentID: "a9"})
	})
	h.at(3*time.Second, func() {
		h.env.SignalWorkflow(routing.SignalAssigned, routing.Assignment{ConversationID: "other", Ticket: 1, AgentID: "a8"})
	})
	h.phaseAt(4*time.Second, PhaseQueued)
	h.at(5*time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Equal(t, []string{string(PhaseQueued), string(PhaseClosed)}, h.log.appliedPhases())
	require.Empty(t, h.log.events, "no agent heard of the conversation")
	require.Equal(t, []routing.Leave{
		{ConversationID: "c1", Ticket: 0},
		{ConversationID: "other", Ticket: 1},
		{ConversationID: "c1", Ticket: 1},
	}, h.log.leaves())
}

// TestAgentTransferAndClose: only the serving agent may transfer or close;
// a transfer queues for the new skill group with the old agent as
// FromAgentID; the agent's close asks for the rating; the rating closes.
func TestAgentTransferAndClose(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	var wrongClose, wrongTransfer, toSelf, badTarget, transfer, closeByOld, closed *outcome
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(2*time.Second, func() { h.assign("a1") })
	h.at(3*time.Second, func() {
		wrongClose = h.update(UpdateAgentClose, AgentCloseRequest{AgentID: "a2", ConversationID: "c1"})
		wrongTransfer = h.update(UpdateAgentTransfer, AgentTransferRequest{AgentID: "a2", ConversationID: "c1", ToSkillGroupID: 12})
		toSelf = h.update(UpdateAgentTransfer, AgentTransferRequest{AgentID: "a1", ConversationID: "c1", ToAgentID: "a1"})
		badTarget = h.update(UpdateAgentTransfer, AgentTransferRequest{AgentID: "a1", ConversationID: "c1"})
	})
	h.at(4*time.Second, func() {
		transfer = h.update(UpdateAgentTransfer, AgentTransferRequest{AgentID: "a1", ConversationID: "c1", ToSkillGroupID: 12})
	})
	h.at(5*time.Second, func() {
		closeByOld = h.update(UpdateAgentClose, AgentCloseRequest{AgentID: "a1", ConversationID: "c1"})
		h.assign("a2")
	})
	h.at(6*time.Second, func() {
		closed = h.update(UpdateAgentClose, AgentCloseRequest{AgentID: "a2", ConversationID: "c1"})
	})
	h.phaseAt(7*time.Second, PhaseSatisfaction)
	h.at(8*time.Second, func() {
		h.log.rate()
		h.env.SignalWorkflow(SignalRated, nil)
	})
	h.start()

	require.Equal(t, SendResult{CodeFailed, DescNotYourConversation}, wrongClose.refusal(t))
	require.Equal(t, SendResult{CodeFailed, DescNotYourConversation}, wrongTransfer.refusal(t))
	require.Equal(t, SendResult{CodeFailed, DescTransferToSelf}, toSelf.refusal(t))
	require.Error(t, badTarget.rejected)
	require.Equal(t, SendResult{CodeFailed, DescNotYourConversation}, closeByOld.refusal(t), "the old agent no longer serves")
	snap := transfer.result.(Snapshot)
	require.NoError(t, transfer.err)
	require.Equal(t, PhaseQueued, snap.Phase)
	require.Equal(t, int64(12), snap.SkillGroupID)
	snap = closed.result.(Snapshot)
	require.NoError(t, closed.err)
	require.Equal(t, PhaseSatisfaction, snap.Phase)

	require.Equal(t, []string{string(PhaseQueued), string(PhaseAgent), string(PhaseQueued), string(PhaseAgent),
		string(PhaseSatisfaction), string(PhaseClosed)}, h.log.appliedPhases())
	e := h.log.enqueues()
	require.Len(t, e, 2)
	require.Equal(t, int64(12), e[1].SkillGroupID)
	require.Equal(t, "a1", e[1].FromAgentID)
	require.Greater(t, e[1].Ticket, e[0].Ticket, "a later request carries a later ticket")
	require.Equal(t, []activities.AgentEvent{
		{AgentID: "a1", Type: "assigned", ConversationID: "c1"},
		{AgentID: "a1", Type: "transferred", ConversationID: "c1"},
		{AgentID: "a2", Type: "assigned", ConversationID: "c1", Payload: activities.EventPayload{FromAgentID: "a1"}},
		{AgentID: "a2", Type: "closed", ConversationID: "c1"},
	}, h.log.events)
	require.Equal(t, []routing.Leave{{ConversationID: "c1", Ticket: e[1].Ticket}}, h.log.leaves())
	require.Equal(t, "agent", h.log.closeReason)
	closing := h.log.lastApplied()
	require.Equal(t, string(PhaseClosed), closing.Phase)
	require.Equal(t, []string{string(PhaseSatisfaction)}, closing.FromPhases)
	require.True(t, closing.Messages[len(closing.Messages)-1].Closing)
}

// TestDisconnectInRobotPhase closes at once, with the robot's text and no rating.
func TestDisconnectInRobotPhase(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	var res *outcome
	h.at(time.Second, func() { res = h.command(ControlDisconnect, "bye") })
	h.start()

	require.Equal(t, SendResult{CodeOK, DescDisconnectRobot}, res.sendResult(t))
	tr := h.log.lastApplied()
	require.Equal(t, string(PhaseClosed), tr.Phase)
	require.Equal(t, []string{string(PhaseRobot)}, tr.FromPhases)
	require.Equal(t, "customer", *tr.Set.CloseReason)
	require.Len(t, tr.Messages, 1)
	require.Equal(t, Text("zh", textClosed), tr.Messages[0].Content)
	require.Empty(t, h.log.events)
}

// TestIdleTimeoutAsksTheLog: an idle timeout whose IdleSince the log
// contradicts (the visitor wrote, unseen by the workflow) applies nothing
// and re-arms from the log's last activity; the next one, when nothing
// happened, closes.
func TestIdleTimeoutAsksTheLog(t *testing.T) {
	ch := channel()
	ch.RobotIdle = 10 * time.Minute
	h := newHarness(t, PhaseRobot, ch)
	// An INPUT-like write the workflow is not told of.
	h.at(6*time.Minute, func() { h.log.visitorWrites("typing…") })
	h.phaseAt(11*time.Minute, PhaseRobot)
	h.start()

	require.Len(t, h.log.transitions, 2)
	stale := h.log.transitions[0]
	require.False(t, stale.Applied, "the log saw activity after IdleSince")
	require.Equal(t, t0.Add(10*time.Minute), stale.At)
	require.Equal(t, t0, stale.IdleSince.UTC())
	idle := h.log.transitions[1]
	require.True(t, idle.Applied)
	require.Equal(t, string(PhaseClosed), idle.Phase)
	require.Equal(t, t0.Add(16*time.Minute), idle.At, "re-armed from the log's last activity")
	require.Equal(t, t0.Add(6*time.Minute), idle.IdleSince.UTC())
	require.Equal(t, "idle", h.log.closeReason)
	require.Equal(t, idle.Number, stale.Number, "a refused transition does not use up its number")
}

// TestAgentIdleAsksForTheRating: in the agent phase the workflow never sees
// the chat; the agent's reply in the log postpones the idle timeout, and
// the timeout that finds the log idle asks for the rating.
func TestAgentIdleAsksForTheRating(t *testing.T) {
	ch := channel()
	ch.AgentIdle = 10 * time.Minute
	h := newHarness(t, PhaseAgent, ch)
	h.log.agentID, h.log.agentName, h.log.agentJoined = "a1", "Agent a1", true
	h.at(3*time.Minute, func() { h.log.agentWrites("还在吗？") })
	h.phaseAt(12*time.Minute, PhaseAgent)
	h.phaseAt(14*time.Minute, PhaseSatisfaction)
	h.at(15*time.Minute, func() {
		h.log.rate()
		h.env.SignalWorkflow(SignalRated, nil)
	})
	h.start()

	require.Equal(t, []string{string(PhaseSatisfaction), string(PhaseClosed)}, h.log.appliedPhases())
	var ask applied
	for _, tr := range h.log.transitions {
		if tr.Phase == string(PhaseSatisfaction) {
			ask = tr
		}
	}
	require.Equal(t, t0.Add(13*time.Minute), ask.At)
	require.Equal(t, "idle", *ask.Set.CloseReason)
	require.Equal(t, []activities.AgentEvent{{AgentID: "a1", Type: "closed", ConversationID: "c1"}}, ask.Events)
	require.Equal(t, "idle", h.log.closeReason)
	require.Len(t, h.log.leaves(), 1, "routing frees the agent's slot")
}

// TestMaxQueueWaitReturnsToTheRobot: a wait that reaches the channel's
// maximum goes back to the robot with the queue-timeout notice, and routing
// is told to drop the entry; without a robot the conversation closes.
func TestMaxQueueWaitReturnsToTheRobot(t *testing.T) {
	ch := channel()
	ch.MaxQueueWait = 5 * time.Minute
	h := newHarness(t, PhaseRobot, ch)
	h.at(time.Minute, func() { h.command(ControlTrans2Agent, "") })
	h.phaseAt(5*time.Minute, PhaseQueued)
	h.phaseAt(7*time.Minute, PhaseRobot)
	h.at(8*time.Minute, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Equal(t, []string{string(PhaseQueued), string(PhaseRobot), string(PhaseClosed)}, h.log.appliedPhases())
	back := h.log.transitions[1]
	require.Equal(t, t0.Add(6*time.Minute), back.At)
	require.True(t, back.Set.ClearQueued)
	require.Equal(t, Text("zh", textQueueTimeout), back.Messages[0].Content)
	require.Nil(t, h.log.queuedAt)
	require.Len(t, h.log.enqueues(), 1)
	require.Equal(t, []routing.Leave{{ConversationID: "c1", Ticket: 1}}, h.log.leaves())

	ch.RobotEnabled = false
	h = newHarness(t, PhaseQueued, ch)
	h.start()
	require.Equal(t, []string{string(PhaseClosed)}, h.log.appliedPhases())
	closing := h.log.lastApplied()
	require.Equal(t, t0.Add(5*time.Minute), closing.At)
	require.Equal(t, "queue-timeout", *closing.Set.CloseReason)
	require.Equal(t, Text("zh", textQueueTimeout), closing.Messages[0].Content)
	require.Len(t, h.log.enqueues(), 1, "a conversation opened in the queue asks routing itself")
	require.Len(t, h.log.leaves(), 1)
}

// TestCompletesOnlyAfterRoutingAndPushesFinish: after the close the
// workflow still waits for every webhook delivery, run on ccflow-push, to
// return, and for its routing requests to be delivered (here after
// failures and retries).
func TestCompletesOnlyAfterRoutingAndPushesFinish(t *testing.T) {
	// Deliveries run on wall time, and the test clock moves with it while
	// they run: steps are milliseconds apart.
	run := func(t *testing.T, hold time.Duration, notifyFails int) *harness {
		ch := channel()
		ch.PushEndpoints = []uint64{7, 8}
		h := newHarness(t, PhaseRobot, ch)
		h.log.deliverHold = hold
		h.at(10*time.Millisecond, func() { h.command(ControlTrans2Agent, "") })
		h.at(50*time.Millisecond, func() {
			h.log.mu.Lock()
			h.log.notifyFails = notifyFails
			h.log.mu.Unlock()
			h.command(ControlDisconnect, "")
		})
		h.start()
		return h
	}
	t.Run("deliveries", func(t *testing.T) {
		h := run(t, 500*time.Millisecond, 0)
		require.Equal(t, 2, h.log.deliveredCount, "completed before the deliveries returned")
		require.ElementsMatch(t, []uint64{7, 8}, []uint64{h.log.delivers[0].EndpointID, h.log.delivers[1].EndpointID})
		require.Equal(t, []string{PushTaskQueue, PushTaskQueue}, h.log.deliverQueues)
		require.Equal(t, activities.DeliverRequest{TenantID: "demo", ConversationID: "c1", EndpointID: h.log.delivers[0].EndpointID,
			BusinessID: 1, VisitorID: "visitor-1"}, h.log.delivers[0])
	})
	t.Run("routing", func(t *testing.T) {
		h := run(t, 0, 3)
		require.Equal(t, []routing.Leave{{ConversationID: "c1", Ticket: 1}}, h.log.leaves(), "completed before routing heard")
		require.Equal(t, 5, h.log.notifyAttempts)
		require.Equal(t, 2, h.log.deliveredCount)
	})
}

// TestContinueAsNewCarriesStateAndQuestions: a run continues as new after
// ContinueAsNewAfter requests, once the questions already signalled are
// answered (the robot holds the life-cycle lock while questions wait), and
// hands its state on; the next run, without a Load, goes on from the last
// question answered, so no question is lost or answered twice.
func TestContinueAsNewCarriesStateAndQuestions(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	for _, q := range []string{"q1", "q2", "q3", "q4", "q5"} {
		h.log.known[q] = true
	}
	h.at(time.Second, func() {
		for _, q := range []string{"q1", "q2", "q3", "q4"} {
			h.ask(q) // seqs 3 to 6, in one batch of signals
		}
	})
	h.log.transition = 4
	next := h.continued(Start{ConversationID: "c1", State: loadedState(t, h.log, 2)})
	st := next.State
	require.Equal(t, "c1", next.ConversationID)
	require.Equal(t, 2, st.ContinueAsNewAfter)
	require.Equal(t, int64(6), st.RobotAsked, "every question signalled is in the state")
	require.Equal(t, int64(6), st.RobotAnswered)
	require.Equal(t, 4, st.RobotTurns)
	require.Equal(t, int64(4), st.Transitions)
	require.Equal(t, channel(), st.Channel)
	require.Equal(t, Visitor{UserID: "visitor-1", UserName: "Ann"}, st.Visitor)
	require.Equal(t, PhaseRobot, st.Phase)
	require.Equal(t, t0.Add(time.Second), st.LastActivity.UTC())

	// The next run: no Load; a new question is read after the last answered.
	st.ContinueAsNewAfter = 0
	h2 := harnessFor(t, h.log, h.env.Now())
	h2.at(time.Second, func() { h2.ask("q5") }) // seq 11
	var bye *outcome
	h2.at(2*time.Second, func() { bye = h2.command(ControlDisconnect, "") })
	h2.env.ExecuteWorkflow(WorkflowName, next)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError())
	require.Equal(t, SendResult{CodeOK, DescDisconnectRobot}, bye.sendResult(t))
	require.Equal(t, 0, h.log.loads)
	var after []int64
	var turns []int
	for _, c := range h.log.robotCalls {
		after, turns = append(after, c.AfterSeq), append(turns, c.Turn)
	}
	require.Equal(t, []int64{0, 3, 4, 5, 6}, after)
	require.Equal(t, []int{1, 2, 3, 4, 5}, turns)
	require.Equal(t, []string{"欢迎", "answer to q1", "answer to q2", "answer to q3", "answer to q4", "answer to q5"},
		h.log.contents(SourceRobot))
	require.Equal(t, int64(5), h.log.lastApplied().Number, "numbered after the carried transitions")
}

// TestUpdateWithStartIsHandled: an update that arrives with the start, while
// the conversation is still loading, is accepted and applied to the loaded
// conversation, not judged against an empty state.
func TestUpdateWithStartIsHandled(t *testing.T) {
	t.Run("disconnect", func(t *testing.T) {
		h := newHarness(t, PhaseRobot, channel())
		var res *outcome
		h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
			if info.ActivityType.Name == "Load" && res == nil {
				res = h.command(ControlDisconnect, "")
			}
		})
		h.start()
		require.NotNil(t, res)
		require.Equal(t, SendResult{CodeOK, DescDisconnectRobot}, res.sendResult(t))
		require.Equal(t, []string{string(PhaseClosed)}, h.log.appliedPhases())
	})
	t.Run("agent close", func(t *testing.T) {
		// A conversation the sweep restarts while an agent serves it.
		h := newHarness(t, PhaseAgent, channel())
		h.log.agentID, h.log.agentName, h.log.agentJoined, h.log.transition = "a1", "Agent a1", true, 2
		var res *outcome
		h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
			if info.ActivityType.Name == "Load" && res == nil {
				res = h.update(UpdateAgentClose, AgentCloseRequest{AgentID: "a1", ConversationID: "c1"})
			}
		})
		h.at(time.Second, func() { h.command(ControlDisconnect, "") })
		h.start()
		require.NotNil(t, res)
		require.True(t, res.done)
		require.NoError(t, res.rejected)
		require.NoError(t, res.err)
		require.Equal(t, PhaseSatisfaction, res.result.(Snapshot).Phase)
		require.Equal(t, []string{string(PhaseSatisfaction), string(PhaseClosed)}, h.log.appliedPhases())
		require.Equal(t, int64(3), h.log.transitions[0].Number, "numbered after the loaded transitions")
	})
}

// loadedState is the state a run loads from the fake log, with a
// continue-as-new threshold.
func loadedState(t *testing.T, f *fakeLog, after int) *State {
	t.Helper()
	ch := f.settings
	return &State{
		ConversationID: f.id, Channel: ch, Visitor: Visitor{UserID: "visitor-1", UserName: "Ann"},
		Phase: Phase(f.phase), StartedAt: f.startedAt, LastActivity: f.lastActivity, SkillGroupID: ch.SkillGroupID,
		Transitions: f.transition, ContinueAsNewAfter: after,
	}
}

// normEntry puts an entry's times in UTC for comparison.
func normEntry(e routing.Entry) routing.Entry {
	e.QueuedAt, e.Order = e.QueuedAt.UTC(), e.Order.UTC()
	return e
}

// TestRatingWindowStartsAtTheAgentsClose: the visitor gets the whole rating
// window after the agent closes, however quiet the chat was before.
func TestRatingWindowStartsAtTheAgentsClose(t *testing.T) {
	ch := channel()
	ch.SatisfactionWait = 2 * time.Minute
	h := newHarness(t, PhaseAgent, ch)
	h.log.agentID, h.log.agentName, h.log.agentJoined = "a1", "Agent a1", true
	h.at(time.Minute, func() { h.log.agentWrites("还有其他问题吗？") })
	h.at(6*time.Minute, func() { h.update(UpdateAgentClose, AgentCloseRequest{AgentID: "a1", ConversationID: "c1"}) })
	h.phaseAt(7*time.Minute, PhaseSatisfaction)
	h.at(7*time.Minute+time.Second, func() { h.log.rate(); h.env.SignalWorkflow(SignalRated, nil) })
	h.start()
	closing := h.log.lastApplied()
	require.Equal(t, string(PhaseClosed), closing.Phase)
	require.Equal(t, t0.Add(7*time.Minute+time.Second), closing.At, "closed by the rating, not by a timeout")
}

// TestRoutingOutageLongerThanTenSeconds: a routing request is retried until
// routing takes it, not given up after one attempt's timeout.
func TestRoutingOutageLongerThanTenSeconds(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.log.notifyDownUntil = t0.Add(30 * time.Second)
	h.at(time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(time.Minute, func() {
		require.Len(t, h.log.enqueues(), 1, "routing heard of the queued conversation")
		h.command(ControlDisconnect, "")
	})
	h.start()
	require.Len(t, h.log.leaves(), 1)
}

// A question whose signal was lost (Temporal's history was down when it was
// sent) is answered when the API's sweep signals it, and once however often
// the sweep of each API server signals it.
func TestRobotAnswersASweptQuestionOnce(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.log.known["版本"] = true
	var seq int64
	h.at(time.Second, func() { seq = h.log.visitorWrites("版本") })
	h.at(5*time.Second, func() { h.env.SignalWorkflow(SignalRobotQuestion, RobotQuestion{Seq: seq}) })
	h.at(6*time.Second, func() { h.env.SignalWorkflow(SignalRobotQuestion, RobotQuestion{Seq: seq}) })
	disconnect := &outcome{}
	h.at(8*time.Second, func() { disconnect = h.command(ControlDisconnect, "k1") })
	h.start()

	require.Equal(t, []string{"欢迎", "answer to 版本"}, h.log.contents(SourceRobot))
	require.Len(t, h.log.robotCalls, 1)
	require.Equal(t, SendResult{CodeOK, DescDisconnectRobot}, disconnect.sendResult(t))
}
