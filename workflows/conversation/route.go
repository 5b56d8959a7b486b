package conversation

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/routing"
)

// route delivers the conversation's requests to routing one at a time, in
// order, in the background: a routing hiccup delays the queue entry, never
// the visitor.
func (c *conv) route(ctx workflow.Context) {
	// A local activity: the request is one quick call to the Temporal
	// frontend, and a local activity saves the round trip of an activity task
	// between the transfer and the queue entry.
	ctx = localOptions(ctx)
	var router *activities.Router
	for {
		if err := workflow.Await(ctx, func() bool { return len(c.Routing) > 0 }); err != nil {
			return
		}
		if err := workflow.ExecuteLocalActivity(ctx, router.Notify, c.Routing[0]).Get(ctx, nil); err != nil {
			// Only cancellation ends an activity with unlimited retries.
			return
		}
		c.Routing = c.Routing[1:]
	}
}

// requestQueue asks routing to queue the conversation as it now stands.
func (c *conv) requestQueue() {
	c.RouteTicket = max(c.RouteTicket+1, c.Transitions)
	e := routing.Entry{
		ConversationID: c.ConversationID, WorkflowID: c.workflowID, UserID: c.Visitor.UserID,
		UserName: clip(c.Visitor.UserName, maxQueuedName), SkillGroupID: c.SkillGroupID, TargetAgentID: c.TargetAgentID,
		FromAgentID: c.FromAgentID, Ticket: c.RouteTicket, QueuedAt: *c.QueuedAt, MaxWait: c.Channel.MaxQueueWait,
	}
	c.queueNotice(activities.RouteNotice{TenantID: c.Channel.TenantID, Enqueue: &e})
}

// requestLeave takes the conversation out of routing.
func (c *conv) requestLeave(conversationID string, ticket int64) {
	c.queueNotice(activities.RouteNotice{
		TenantID: c.Channel.TenantID, Leave: &routing.Leave{ConversationID: conversationID, Ticket: ticket},
	})
}

// queueNotice keeps the requests bounded: routing applies a conversation's
// requests by ticket, so of several waiting only the newest matters once
// the list is long.
func (c *conv) queueNotice(n activities.RouteNotice) {
	c.Routing = append(c.Routing, n)
	if len(c.Routing) > maxRouting {
		// The first is in flight; keep it and the newest ones.
		c.Routing = append(c.Routing[:1], c.Routing[len(c.Routing)-maxRouting+1:]...)
	}
}

// onAssigned takes the agent routing chose. An assignment the conversation
// can no longer use (the visitor left, the queue timed out) is handed back,
// so the agent's slot is freed at once.
func (c *conv) onAssigned(ctx workflow.Context, a routing.Assignment) error {
	if c.Phase == PhaseAgent && a.ConversationID == c.ConversationID && a.Ticket == c.RouteTicket && a.AgentID == c.Agent.AgentID {
		// Told twice (routing's batch was retried): already taken, and
		// handing it back would free the agent who serves it.
		return nil
	}
	if c.Phase != PhaseQueued || a.ConversationID != c.ConversationID || a.Ticket != c.RouteTicket {
		workflow.GetLogger(ctx).Info("assignment handed back", "phase", c.Phase, "agent", a.AgentID)
		c.requestLeave(a.ConversationID, a.Ticket)
		return nil
	}
	now := workflow.Now(ctx)
	joined := true
	ok, err := c.change(ctx, activities.Transition{
		Phase:    string(PhaseAgent),
		Set:      activities.Fields{AgentID: &a.AgentID, AgentName: &a.AgentName, AssignedAt: &now, AgentJoined: &joined},
		Messages: []activities.LogMessage{c.notice(textConnected)},
		Events: []activities.AgentEvent{{
			AgentID: a.AgentID, Type: "assigned", ConversationID: c.ConversationID,
			Payload: activities.EventPayload{FromAgentID: c.FromAgentID},
		}},
	})
	if err != nil {
		return err
	}
	if !ok {
		c.requestLeave(a.ConversationID, a.Ticket)
		return nil
	}
	c.Agent = AgentRef{AgentID: a.AgentID, AgentName: a.AgentName}
	c.AgentJoined, c.AssignedAt, c.TargetAgentID = true, &now, ""
	return nil
}

// onRequeued is routing putting the conversation back in line because its
// agent went offline; routing already holds the new queue entry.
func (c *conv) onRequeued(ctx workflow.Context, q routing.Requeue) error {
	if c.Phase != PhaseAgent || q.ConversationID != c.ConversationID || q.AgentID != c.Agent.AgentID {
		c.requestLeave(q.ConversationID, q.Ticket)
		return nil
	}
	now := workflow.Now(ctx)
	none := ""
	ok, err := c.change(ctx, activities.Transition{
		Phase:    string(PhaseQueued),
		Set:      activities.Fields{QueuedAt: &now, AgentID: &none, AgentName: &none},
		Messages: []activities.LogMessage{c.notice(textRequeued)},
		Events:   c.agentLeft("requeued"),
	})
	if err != nil || !ok {
		return err
	}
	c.QueuedAt, c.FromAgentID, c.Agent = &now, c.Agent.AgentID, AgentRef{}
	return nil
}

// maxQueuedName bounds the visitor's name in routing's queue, which holds
// thousands of entries in one workflow state: the queue views show a name,
// the conversation keeps it whole.
const maxQueuedName = 32

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
