package routing

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// canTake reports whether the agent may be given the entry now.
func (a *Agent) canTake(e Entry) bool {
	if a.Status != StatusReady || len(a.Conversations) >= a.Capacity {
		return false
	}
	if e.TargetAgentID != "" {
		return e.TargetAgentID == a.ID
	}
	return slices.Contains(a.SkillGroups, e.SkillGroupID)
}

// idleLonger orders candidates: idle longest first, then the lighter load,
// then the id, so that the choice never depends on anything but the state.
func (a *Agent) idleLonger(b *Agent) bool {
	if !a.IdleSince.Equal(b.IdleSince) {
		return a.IdleSince.Before(b.IdleSince)
	}
	if len(a.Conversations) != len(b.Conversations) {
		return len(a.Conversations) < len(b.Conversations)
	}
	return a.ID < b.ID
}

// release frees the slot of the agent's i-th conversation.
func (a *Agent) release(i int) {
	a.Conversations = slices.Delete(a.Conversations, i, i+1)
}

// setStatus applies an agent's presence and settings. Going offline puts the
// agent's conversations back at the head of their queues, in their old
// places, so visitors are not left talking to nobody; not ready keeps them.
func (r *router) setStatus(ctx workflow.Context, s AgentStatus) {
	now := workflow.Now(ctx)
	a := r.agent(s.AgentID)
	if a == nil {
		r.Agents = append(r.Agents, Agent{ID: s.AgentID, Status: StatusOffline})
		slices.SortFunc(r.Agents, func(x, y Agent) int {
			switch {
			case x.ID < y.ID:
				return -1
			case x.ID > y.ID:
				return 1
			}
			return 0
		})
		a = r.agent(s.AgentID)
	}
	a.Name, a.SkillGroups, a.Capacity = s.Name, slices.Clone(s.SkillGroups), s.Capacity
	if a.Status != s.Status {
		a.Since = now
		if s.Status == StatusReady {
			a.IdleSince = now
		}
	}
	a.Status = s.Status
	if s.Status != StatusOffline {
		return
	}
	held := a.Conversations
	a.Conversations = nil
	for _, h := range held {
		r.insert(Entry{
			ConversationID: h.ConversationID, WorkflowID: h.WorkflowID, UserID: h.UserID, UserName: h.UserName,
			SkillGroupID: h.SkillGroupID, FromAgentID: a.ID, Ticket: h.Ticket, QueuedAt: now, Order: h.Order,
		})
		convID, ticket := h.ConversationID, h.Ticket
		r.signal(ctx, h.WorkflowID, SignalRequeued, Requeue{ConversationID: convID, Ticket: ticket, AgentID: a.ID}, func(err error) {
			if err != nil {
				r.leave(Leave{ConversationID: convID, Ticket: ticket})
			}
		})
	}
}
