package conversation

import (
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/agentdesk"
	"github.com/ccflow/ccflow/workflows/internal/wait"
	"github.com/ccflow/ccflow/workflows/routing"
)

// conv is the running workflow around its state.
type conv struct {
	State
	workflowID string
	// runUpdates counts the updates this run accepted, for continue-as-new.
	runUpdates int
	// convsInFlight is how many leading conversation rows the persister is writing now.
	convsInFlight int
	// signalsInFlight counts agent-feed signals not yet acknowledged.
	signalsInFlight int
	// assigned and requeued are routing's signals, read by one coroutine.
	assigned, requeued workflow.ReceiveChannel
}

// Workflow runs one conversation. A first run gets a State holding only the
// channel and the visitor; later runs get the state continue-as-new carried.
func Workflow(ctx workflow.Context, st State) error {
	info := workflow.GetInfo(ctx)
	c := &conv{State: st, workflowID: info.WorkflowExecution.ID}
	if c.ConversationID == "" {
		c.start(ctx, info.WorkflowExecution.RunID)
	}
	// Before register: an update that came with the start (CONNECT) runs as
	// soon as its handler is set, and its messages need their push queues.
	c.startPushes(ctx)
	if err := c.register(ctx); err != nil {
		return err
	}
	workflow.Go(ctx, c.persist)
	workflow.Go(ctx, c.route)
	workflow.Go(ctx, c.robot)
	c.publish(ctx)
	return c.run(ctx)
}

func (c *conv) start(ctx workflow.Context, runID string) {
	c.ConversationID = runID
	c.StartedAt = workflow.Now(ctx)
	c.LastActivity = c.StartedAt
	c.Phase = PhaseRobot
	c.SkillGroupID = c.Channel.SkillGroupID
	c.saveConversation()
}

// reopen starts a new conversation in a run whose conversation has closed but
// not yet ended: the visitor connected again within the closing grace period.
// Message numbering and delivery marks go on; everything about the old
// conversation is reset, and it gets a new id (and row) of its own.
func (c *conv) reopen(ctx workflow.Context) {
	c.Reopened++
	keep := c.State
	c.State = State{
		Channel: keep.Channel, Visitor: keep.Visitor, NextSeq: keep.NextSeq, Messages: keep.Messages,
		DeliveredSeq: keep.DeliveredSeq, Unsaved: keep.Unsaved, Dedupe: keep.Dedupe, Routing: keep.Routing,
		Pushes: keep.Pushes, ContinueAsNewAfter: keep.ContinueAsNewAfter, Reopened: keep.Reopened,
	}
	c.start(ctx, workflow.GetInfo(ctx).WorkflowExecution.RunID+"-"+strconv.Itoa(c.Reopened))
	c.publish(ctx)
}

// register installs the update, signal and query handlers.
func (c *conv) register(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSend, c.onSend,
		workflow.UpdateHandlerOptions{Validator: c.validateSend}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePoll, c.onPoll,
		workflow.UpdateHandlerOptions{Validator: c.validatePoll}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRate, c.onRate,
		workflow.UpdateHandlerOptions{Validator: c.validateRate}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryMessages, c.messagesAfter); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, c.snapshot); err != nil {
		return err
	}
	for _, u := range []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateAgentSend, c.onAgentSend, c.validateAgentSend},
		{UpdateAgentTransfer, c.onAgentTransfer, c.validateAgentTransfer},
		{UpdateAgentClose, c.onAgentClose, c.validateAgentClose},
	} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler,
			workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return err
		}
	}
	c.assigned = workflow.GetSignalChannel(ctx, routing.SignalAssigned)
	c.requeued = workflow.GetSignalChannel(ctx, routing.SignalRequeued)
	assigned, requeued := c.assigned, c.requeued
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(assigned, func(ch workflow.ReceiveChannel, _ bool) {
				var a routing.Assignment
				ch.Receive(ctx, &a)
				c.onAssigned(ctx, a)
			})
			sel.AddReceive(requeued, func(ch workflow.ReceiveChannel, _ bool) {
				var q routing.Requeue
				ch.Receive(ctx, &q)
				c.onRequeued(ctx, q)
			})
			sel.Select(ctx)
		}
	})
	return nil
}

// run is the main loop: it waits for the end of the conversation, the
// current phase's deadline, or the point to continue as new. Activity pushes
// the deadline out; the loop re-arms its timer only when the timer fires, so a
// busy conversation does not start and cancel a timer per message.
func (c *conv) run(ctx workflow.Context) error {
	for {
		if err := c.serve(ctx); err != nil {
			return err
		}
		// Let the visitor collect the last messages, then make sure every record
		// is written and every webhook event delivered. A CONNECT meanwhile
		// opens a new conversation in this run.
		reopened := func() bool { return c.Phase != PhaseClosed }
		if _, err := wait.Until(ctx, workflow.Now(ctx).Add(lingerAfterClose), func() bool {
			return c.DeliveredSeq >= c.lastDownlink() || reopened()
		}); err != nil {
			return err
		}
		done := func() bool {
			return c.unsavedEmpty() && c.pushesEmpty() && len(c.Routing) == 0 && c.signalsInFlight == 0 && workflow.AllHandlersFinished(ctx)
		}
		// A dead webhook receiver can keep a closed run waiting for a day, while
		// the visitor's page may go on polling: the run continues as new then too.
		if err := workflow.Await(ctx, func() bool { return done() || reopened() || c.shouldContinueAsNew(ctx) }); err != nil {
			return err
		}
		if reopened() {
			continue
		}
		if done() {
			return nil
		}
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		return workflow.NewContinueAsNewError(ctx, WorkflowName, c.State)
	}
}

// serve runs one conversation until it closes, or returns the
// continue-as-new error when the run has grown long enough.
func (c *conv) serve(ctx workflow.Context) error {
	for c.Phase != PhaseClosed {
		phase := c.Phase
		woke, err := wait.Until(ctx, c.deadline(), func() bool {
			return c.Phase != phase || c.shouldContinueAsNew(ctx)
		})
		if err != nil {
			return err
		}
		if !woke {
			if d := c.deadline(); !d.IsZero() && !workflow.Now(ctx).Before(d) {
				c.onTimeout(ctx)
			}
			continue
		}
		if c.Phase != PhaseClosed && c.shouldContinueAsNew(ctx) {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, WorkflowName, c.State)
		}
	}
	return nil
}

func (c *conv) shouldContinueAsNew(ctx workflow.Context) bool {
	limit := c.ContinueAsNewAfter
	if limit <= 0 {
		limit = updatesPerRun
	}
	if c.runUpdates >= limit {
		return true
	}
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// deadline is when the current phase times out; zero means never. A queue
// also ends at the channel's maximum wait, whatever the activity.
func (c *conv) deadline() time.Time {
	idle := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		return c.LastActivity.Add(d)
	}
	switch c.Phase {
	case PhaseRobot:
		return idle(c.Channel.RobotIdle)
	case PhaseQueued:
		at := idle(c.Channel.QueueIdle)
		if c.Channel.MaxQueueWait > 0 {
			maxAt := c.QueuedAt.Add(c.Channel.MaxQueueWait)
			if at.IsZero() || maxAt.Before(at) {
				at = maxAt
			}
		}
		return at
	case PhaseAgent:
		return idle(c.Channel.AgentIdle)
	case PhaseSatisfaction:
		return idle(c.Channel.SatisfactionWait)
	}
	return time.Time{}
}

func (c *conv) onTimeout(ctx workflow.Context) {
	switch c.Phase {
	case PhaseQueued:
		if c.Channel.MaxQueueWait > 0 && !workflow.Now(ctx).Before(c.QueuedAt.Add(c.Channel.MaxQueueWait)) {
			c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textQueueTimeout))
			c.leaveQueue(ctx, "queue-timeout")
			return
		}
		c.close(ctx, "idle")
	case PhaseSatisfaction:
		c.close(ctx, "rating-timeout")
	default:
		c.end(ctx, "idle")
	}
}

// leaveQueue ends a wait: back to the robot when the channel has one, else the conversation ends.
func (c *conv) leaveQueue(ctx workflow.Context, reason string) {
	c.QueuedAt = nil
	if c.Channel.RobotEnabled {
		c.setPhase(ctx, PhaseRobot)
		return
	}
	c.close(ctx, reason)
}

// end finishes the service: with an agent involved the visitor is asked for a
// rating first, otherwise the conversation closes.
func (c *conv) end(ctx workflow.Context, reason string) {
	now := workflow.Now(ctx)
	c.EndedAt = &now
	c.CloseReason = reason
	if c.AgentJoined && !c.Rated {
		c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textRateAsk))
		c.setPhase(ctx, PhaseSatisfaction)
		return
	}
	c.close(ctx, reason)
}

func (c *conv) close(ctx workflow.Context, reason string) {
	now := workflow.Now(ctx)
	c.ClosedAt = &now
	if c.EndedAt == nil {
		c.EndedAt = &now
	}
	if c.CloseReason == "" {
		c.CloseReason = reason
	}
	c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textClosed))
	c.setPhase(ctx, PhaseClosed)
}

func (c *conv) setPhase(ctx workflow.Context, p Phase) {
	old := c.Phase
	if old == PhaseAgent && (p == PhaseSatisfaction || p == PhaseClosed) {
		c.tellAgent(ctx, c.Agent.AgentID, agentdesk.Event{Type: agentdesk.EventClosed})
	}
	if inRouting(old) && !inRouting(p) {
		c.requestLeave(c.ConversationID, c.RouteTicket)
	}
	c.Phase = p
	c.LastActivity = workflow.Now(ctx)
	c.saveConversation()
	c.publish(ctx)
}

// record numbers a message, keeps it for polls when it is downlink, and
// queues it for the database and the tenant's webhooks.
func (c *conv) record(ctx workflow.Context, m Message) Message {
	c.NextSeq++
	m.Seq = c.NextSeq
	m.MessageCode = c.messageCode(m.Seq)
	m.At = workflow.Now(ctx)
	if m.Downlink {
		c.Messages = append(c.Messages, m)
		c.trimMessages()
	}
	c.Unsaved.Messages = append(c.Unsaved.Messages, activities.MessageRecord{
		TenantID: c.Channel.TenantID, ConversationID: c.ConversationID, UserID: c.Visitor.UserID,
		Seq: m.Seq, ToVisitor: m.Downlink, SenderType: string(m.SourceType), SenderID: m.SenderID,
		ControlType: string(m.ControlType), MediaType: m.MediaType, Content: m.Content,
		MessageCode: m.MessageCode, At: m.At,
	})
	c.queuePush(ctx, m)
	return m
}

// trimMessages keeps every undelivered message and the last few delivered ones.
func (c *conv) trimMessages() {
	delivered := 0
	for _, m := range c.Messages {
		if m.Seq <= c.DeliveredSeq {
			delivered++
		}
	}
	if drop := delivered - keepDelivered; drop > 0 {
		c.Messages = c.Messages[drop:]
	}
}

// sayAs sends a text message to the visitor.
func (c *conv) sayAs(ctx workflow.Context, source SourceType, nickname, text string) Message {
	return c.record(ctx, Message{
		Downlink: true, SourceType: source, SenderID: c.Channel.ID, SenderNickname: nickname,
		ControlType: ControlChat, MediaType: "TEXT", Content: text,
	})
}

// messageCode is the unique code of the conversation's seq-th message.
func (c *conv) messageCode(seq int64) string {
	return c.ConversationID + "-" + strconv.FormatInt(seq, 10)
}

func (c *conv) lastDownlink() int64 {
	if len(c.Messages) == 0 {
		return 0
	}
	return c.Messages[len(c.Messages)-1].Seq
}

// saveConversation queues the conversation row's current state for the database.
func (c *conv) saveConversation() {
	row := activities.ConversationRecord{
		ID: c.ConversationID, WorkflowID: c.workflowID, TenantID: c.Channel.TenantID,
		ChannelConfigID: c.Channel.ID, UserID: c.Visitor.UserID, UserName: c.Visitor.UserName,
		Phase: string(c.Phase), SkillGroupID: c.SkillGroupID, AgentID: c.Agent.AgentID,
		StartedAt: c.StartedAt, QueuedAt: c.QueuedAt, AssignedAt: c.AssignedAt,
		EndedAt: c.EndedAt, ClosedAt: c.ClosedAt, CloseReason: c.CloseReason,
	}
	// The row being written must stay as it is; a newer state of the same row
	// replaces a queued one instead of piling up.
	rows := c.Unsaved.Conversations
	if n := len(rows); n > c.convsInFlight && rows[n-1].ID == row.ID {
		rows[n-1] = row
		return
	}
	c.Unsaved.Conversations = append(rows, row)
}

// publish keeps search attributes and the current-details line up to date for Temporal UI.
func (c *conv) publish(ctx workflow.Context) {
	err := workflow.UpsertTypedSearchAttributes(ctx,
		SATenant.ValueSet(c.Channel.TenantID),
		SAChannelConfig.ValueSet(c.Channel.ID),
		SAUser.ValueSet(c.Visitor.UserID),
		SAPhase.ValueSet(string(c.Phase)),
		SAAgent.ValueSet(c.Agent.AgentID),
		SASkillGroup.ValueSet(strconv.FormatInt(c.SkillGroupID, 10)),
	)
	if err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
	}
	workflow.SetCurrentDetails(ctx, c.details())
}

func (c *conv) details() string {
	switch c.Phase {
	case PhaseRobot:
		return fmt.Sprintf("robot serving %s, %d messages", c.Visitor.UserID, c.NextSeq)
	case PhaseQueued:
		return fmt.Sprintf("%s queued in skill group %d since %s", c.Visitor.UserID, c.SkillGroupID, c.QueuedAt.Format(time.RFC3339))
	case PhaseAgent:
		return fmt.Sprintf("%s talking to agent %s", c.Visitor.UserID, c.Agent.AgentID)
	case PhaseSatisfaction:
		return fmt.Sprintf("%s asked for a rating", c.Visitor.UserID)
	}
	return fmt.Sprintf("closed (%s) after %d messages", c.CloseReason, c.NextSeq)
}

func (c *conv) messagesAfter(q MessagesQuery) ([]Message, error) {
	out := []Message{}
	for _, m := range c.Messages {
		if m.Seq > q.AfterSeq {
			out = append(out, m)
		}
	}
	return out, nil
}

func (c *conv) snapshot() (Snapshot, error) {
	return Snapshot{
		ConversationID: c.ConversationID, Phase: c.Phase, TenantID: c.Channel.TenantID,
		ChannelID: c.Channel.ID, UserID: c.Visitor.UserID, SkillGroupID: c.SkillGroupID,
		QueuedAt: c.QueuedAt, MaxQueueWait: c.Channel.MaxQueueWait, AgentID: c.Agent.AgentID,
		LastSeq: c.NextSeq, DeliveredSeq: c.DeliveredSeq, UserName: c.Visitor.UserName, AssignedAt: c.AssignedAt,
		AgentName: c.Agent.AgentName, ProductCard: c.Visitor.ProductCard,
	}, nil
}
