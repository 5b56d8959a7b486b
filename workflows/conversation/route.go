package conversation

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/agentdesk"
	"github.com/ccflow/ccflow/workflows/routing"
)

// route delivers the conversation's requests to routing one at a time, in
// order, in the background: a routing or database hiccup delays the queue
// entry, never the visitor's send.
func (c *conv) route(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
		},
	})
	var router *activities.Router
	for {
		if err := workflow.Await(ctx, func() bool { return len(c.Routing) > 0 }); err != nil {
			return
		}
		if err := workflow.ExecuteActivity(ctx, router.Notify, c.Routing[0]).Get(ctx, nil); err != nil {
			// Only cancellation ends an activity with unlimited retries.
			return
		}
		c.Routing = c.Routing[1:]
	}
}

// requestQueue asks routing to queue the conversation as it now stands.
func (c *conv) requestQueue() {
	c.RouteTicket = max(c.RouteTicket+1, c.NextSeq)
	e := routing.Entry{
		ConversationID: c.ConversationID, WorkflowID: c.workflowID, UserID: c.Visitor.UserID,
		UserName: c.Visitor.UserName, SkillGroupID: c.SkillGroupID, TargetAgentID: c.TargetAgentID,
		FromAgentID: c.FromAgentID, Ticket: c.RouteTicket, QueuedAt: *c.QueuedAt, MaxWait: c.Channel.MaxQueueWait,
		ProductCard: c.Visitor.ProductCard,
	}
	c.Routing = append(c.Routing, activities.RouteNotice{TenantID: c.Channel.TenantID, Enqueue: &e})
}

// requestLeave takes a conversation (this one, or an older one of this run)
// out of routing.
func (c *conv) requestLeave(conversationID string, ticket int64) {
	c.Routing = append(c.Routing, activities.RouteNotice{
		TenantID: c.Channel.TenantID, Leave: &routing.Leave{ConversationID: conversationID, Ticket: ticket},
	})
}

// onAssigned takes the agent routing chose. An assignment the conversation
// can no longer use (the visitor left, the queue timed out) is handed back,
// so the agent's slot is freed at once.
func (c *conv) onAssigned(ctx workflow.Context, a routing.Assignment) {
	if c.Phase != PhaseQueued || a.ConversationID != c.ConversationID || a.Ticket != c.RouteTicket {
		workflow.GetLogger(ctx).Info("assignment handed back", "phase", c.Phase, "agent", a.AgentID)
		c.requestLeave(a.ConversationID, a.Ticket)
		return
	}
	now := workflow.Now(ctx)
	c.Agent = AgentRef{AgentID: a.AgentID, AgentName: a.AgentName}
	c.AgentJoined = true
	c.AssignedAt = &now
	c.TargetAgentID = ""
	c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textConnected))
	c.setPhase(ctx, PhaseAgent)
}

// onRequeued is routing putting the conversation back in line because its
// agent went offline; routing already holds the new queue entry.
func (c *conv) onRequeued(ctx workflow.Context, q routing.Requeue) {
	if c.Phase != PhaseAgent || q.ConversationID != c.ConversationID || q.AgentID != c.Agent.AgentID {
		c.requestLeave(q.ConversationID, q.Ticket)
		return
	}
	now := workflow.Now(ctx)
	c.QueuedAt = &now
	c.FromAgentID = c.Agent.AgentID
	c.Agent = AgentRef{}
	c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textRequeued))
	c.setPhase(ctx, PhaseQueued)
}

// tellAgent adds an event to the serving agent's feed. The feed is a
// convenience for the console, which can always reload the conversation, so
// a failed signal is logged, not retried.
func (c *conv) tellAgent(ctx workflow.Context, agentID string, e agentdesk.Event) {
	if agentID == "" {
		return
	}
	e.ConversationID = c.ConversationID
	e.At = workflow.Now(ctx)
	f := workflow.SignalExternalWorkflow(ctx, agentdesk.WorkflowID(agentID), "", agentdesk.SignalEvent, e)
	c.signalsInFlight++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { c.signalsInFlight-- }()
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Info("agent feed not reached", "agent", agentID, "error", err)
		}
	})
}

// deskMessage is a message as the agent's feed carries it.
func deskMessage(m Message) *agentdesk.Message {
	return &agentdesk.Message{
		Seq: m.Seq, MessageCode: m.MessageCode, ToVisitor: m.Downlink, SenderType: string(m.SourceType),
		SenderID: m.SenderID, MediaType: m.MediaType, Content: m.Content, At: m.At,
	}
}

// inRouting reports whether phase p keeps the conversation in routing's hands.
func inRouting(p Phase) bool { return p == PhaseQueued || p == PhaseAgent }
