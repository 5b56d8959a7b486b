package conversation

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/hours"
)

// change writes a transition to the log and, when it applied, takes its new
// phase. Every phase change of the conversation goes through here, under the
// life-cycle lock, so the log and the workflow agree on the phase.
func (c *conv) change(ctx workflow.Context, t activities.Transition) (bool, error) {
	t.ConversationID = c.ConversationID
	t.Number = c.Transitions + 1
	if len(t.FromPhases) == 0 {
		t.FromPhases = []string{string(c.Phase)}
	}
	var a *activities.Conversations
	var res activities.Applied
	if err := workflow.ExecuteLocalActivity(localOptions(ctx), a.Apply, t).Get(ctx, &res); err != nil {
		return false, err
	}
	c.Messages = max(c.Messages, res.LastSeq)
	if res.LastActivity.After(c.LastActivity) {
		c.LastActivity = res.LastActivity
	}
	if !res.Applied {
		return false, nil
	}
	c.Transitions = t.Number
	old := c.Phase
	c.Phase = Phase(res.Phase)
	if c.Phase != old {
		// A new phase starts its own clock: the rating window counts from
		// the close, an agent's idle time from the assignment.
		if now := workflow.Now(ctx); now.After(c.LastActivity) {
			c.LastActivity = now
		}
	}
	if inRouting(old) && !inRouting(c.Phase) {
		c.requestLeave(c.ConversationID, c.RouteTicket)
	}
	return true, nil
}

// notice is a system line to the visitor in the conversation's language.
func (c *conv) notice(key string) activities.LogMessage {
	return activities.LogMessage{
		ToVisitor: true, SenderType: string(SourceSystem), SenderID: c.Channel.ID, SenderNickname: c.text(textSystemName),
		ControlType: string(ControlChat), MediaType: "TEXT", Content: c.text(key),
	}
}

// agentLeft is the event the serving agent gets when the conversation leaves them.
func (c *conv) agentLeft(kind string) []activities.AgentEvent {
	if c.Agent.AgentID == "" || c.Phase != PhaseAgent {
		return nil
	}
	return []activities.AgentEvent{{AgentID: c.Agent.AgentID, Type: kind, ConversationID: c.ConversationID}}
}

// enqueue moves the conversation from the robot to the queue; lead is what
// the robot says first (its hand-off line), if anything.
func (c *conv) enqueue(ctx workflow.Context, lead []activities.LogMessage) error {
	now := workflow.Now(ctx)
	ok, err := c.change(ctx, activities.Transition{
		Phase: string(PhaseQueued), Set: activities.Fields{QueuedAt: &now},
		Messages: append(lead, c.notice(textQueued)),
	})
	if err != nil || !ok {
		return err
	}
	c.QueuedAt = &now
	c.requestQueue()
	return nil
}

// leaveQueue ends a wait: back to the robot when the channel has one, else
// the conversation ends.
func (c *conv) leaveQueue(ctx workflow.Context, reason string, idleSince *time.Time) error {
	if !c.Channel.RobotEnabled {
		return c.close(ctx, reason, idleSince, c.notice(textQueueTimeout))
	}
	ok, err := c.change(ctx, activities.Transition{
		Phase: string(PhaseRobot), Set: activities.Fields{ClearQueued: true}, IdleSince: idleSince,
		Messages: []activities.LogMessage{c.notice(textQueueTimeout)},
	})
	if err == nil && ok {
		c.QueuedAt = nil
	}
	return err
}

// end finishes the service: with an agent involved the visitor is asked for
// a rating first, otherwise the conversation closes.
func (c *conv) end(ctx workflow.Context, reason string, idleSince *time.Time) error {
	if !c.AgentJoined || c.Rated {
		return c.close(ctx, reason, idleSince)
	}
	now := workflow.Now(ctx)
	ok, err := c.change(ctx, activities.Transition{
		Phase: string(PhaseSatisfaction), IdleSince: idleSince,
		Set:      activities.Fields{EndedAt: &now, CloseReason: &reason},
		Messages: []activities.LogMessage{c.notice(textRateAsk)}, Events: c.agentLeft("closed"),
	})
	if err == nil && ok {
		c.EndedAt, c.CloseReason = &now, reason
	}
	return err
}

// close closes the conversation with a closing notice, after any lines given.
func (c *conv) close(ctx workflow.Context, reason string, idleSince *time.Time, lines ...activities.LogMessage) error {
	now := workflow.Now(ctx)
	set := activities.Fields{ClosedAt: &now}
	if c.EndedAt == nil {
		set.EndedAt = &now
	}
	if c.CloseReason == "" {
		set.CloseReason = &reason
	}
	bye := c.notice(textClosed)
	bye.Closing = true
	ok, err := c.change(ctx, activities.Transition{
		Phase: string(PhaseClosed), IdleSince: idleSince, Set: set,
		Messages: append(lines, bye), Events: c.agentLeft("closed"),
	})
	if err != nil || !ok {
		return err
	}
	c.ClosedAt = &now
	if c.EndedAt == nil {
		c.EndedAt = &now
	}
	if c.CloseReason == "" {
		c.CloseReason = reason
	}
	return nil
}

// agentsWorking asks the channel's schedule about now. The answer is recorded
// as a side effect: a schedule or time-zone change must not alter a replay.
func (c *conv) agentsWorking(ctx workflow.Context) bool {
	now := workflow.Now(ctx)
	schedule, tz := c.Channel.WorkingHours, c.Channel.TimeZone
	var open bool
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		// A schedule that cannot be read must not lock visitors out of agents.
		s, err := hours.Parse(schedule)
		if err != nil {
			return true
		}
		ok, err := s.OpenAt(now, tz)
		return ok || err != nil
	}).Get(&open)
	if err != nil {
		workflow.GetLogger(ctx).Error("working hours", "error", err)
		return true
	}
	return open
}

// inRouting reports whether phase p keeps the conversation in routing's hands.
func inRouting(p Phase) bool { return p == PhaseQueued || p == PhaseAgent }
