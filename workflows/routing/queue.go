package routing

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"
)

// enqueue puts a conversation in line. A transfer takes it off its agent
// first; a request older than what routing already applied changes nothing.
func (r *router) enqueue(ctx workflow.Context, e Entry) {
	if i := r.queued(e.ConversationID); i >= 0 {
		if r.Queue[i].Ticket >= e.Ticket {
			return
		}
		r.Queue = slices.Delete(r.Queue, i, i+1)
	}
	if a, i := r.holder(e.ConversationID); a != nil {
		held := a.Conversations[i]
		if held.Ticket >= e.Ticket {
			return
		}
		a.release(i)
		if e.FromAgentID == "" {
			e.FromAgentID = a.ID
		}
	}
	if e.Order.IsZero() {
		e.Order = e.QueuedAt
	}
	r.insert(e)
}

// insert keeps the queue in serving order: by Order, then arrival.
func (r *router) insert(e Entry) {
	i := len(r.Queue)
	for i > 0 && r.Queue[i-1].Order.After(e.Order) {
		i--
	}
	r.Queue = slices.Insert(r.Queue, i, e)
}

// leave removes a conversation from the queue or from its agent, unless the
// request is older than routing's last step for it.
func (r *router) leave(l Leave) {
	if i := r.queued(l.ConversationID); i >= 0 && r.Queue[i].Ticket <= l.Ticket {
		r.Queue = slices.Delete(r.Queue, i, i+1)
	}
	if a, i := r.holder(l.ConversationID); a != nil && a.Conversations[i].Ticket <= l.Ticket {
		a.release(i)
	}
}

// match assigns while it can: the longest-waiting conversation that some
// ready agent with free capacity may take goes to the one of them idle longest.
func (r *router) match(ctx workflow.Context) {
	for {
		qi, ai := r.nextMatch()
		if qi < 0 {
			return
		}
		r.assign(ctx, qi, ai)
	}
}

func (r *router) nextMatch() (queueIndex, agentIndex int) {
	for qi, e := range r.Queue {
		best := -1
		for ai := range r.Agents {
			a := &r.Agents[ai]
			if !a.canTake(e) {
				continue
			}
			if best < 0 || a.idleLonger(&r.Agents[best]) {
				best = ai
			}
		}
		if best >= 0 {
			return qi, best
		}
	}
	return -1, -1
}

func (r *router) assign(ctx workflow.Context, qi, ai int) {
	now := workflow.Now(ctx)
	e := r.Queue[qi]
	r.Queue = slices.Delete(r.Queue, qi, qi+1)
	a := &r.Agents[ai]
	a.Conversations = append(a.Conversations, Held{
		ConversationID: e.ConversationID, WorkflowID: e.WorkflowID, UserID: e.UserID, UserName: e.UserName,
		SkillGroupID: e.SkillGroupID, Ticket: e.Ticket, QueuedAt: e.QueuedAt, Order: e.Order, AssignedAt: now,
	})
	a.IdleSince = now
	r.recordWait(e.SkillGroupID, now.Sub(e.QueuedAt), now)
	convID, ticket, agentID := e.ConversationID, e.Ticket, a.ID
	if r.batched {
		r.outbox = append(r.outbox, AssignNotice{WorkflowID: e.WorkflowID, Assignment: Assignment{
			ConversationID: convID, Ticket: ticket, AgentID: agentID, AgentName: a.Name,
		}})
		return
	}
	r.signal(ctx, e.WorkflowID, SignalAssigned, Assignment{
		ConversationID: convID, Ticket: ticket, AgentID: agentID, AgentName: a.Name,
	}, func(err error) {
		if err != nil {
			// The conversation is gone: free the agent rather than hold a ghost.
			r.leave(Leave{ConversationID: convID, Ticket: ticket})
			r.match(ctx)
		}
		// The conversation tells the agent's feed itself, in the same write
		// that makes the agent its server.
	})
}

// flush tells the conversations of the outbox of their agents, in one
// local activity in the background: routing goes on meanwhile, and frees
// the agents of conversations that turn out to be gone.
func (r *router) flush(ctx workflow.Context) {
	if len(r.outbox) == 0 {
		return
	}
	batch := r.outbox
	r.outbox = nil
	r.sending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.sending-- }()
		var a *Assigner
		var gone []string
		if err := workflow.ExecuteLocalActivity(tellOptions(ctx), a.Tell, batch).Get(ctx, &gone); err != nil {
			// Told or not, the conversations keep their agents: one that
			// never heard leaves the queue at its maximum wait, and that
			// frees the agent.
			workflow.GetLogger(ctx).Warn("conversations not told of their agents", "count", len(batch), "error", err)
			return
		}
		if len(gone) == 0 {
			return
		}
		for _, n := range batch {
			if slices.Contains(gone, n.Assignment.ConversationID) {
				// The conversation is gone: free the agent rather than hold a ghost.
				r.leave(Leave{ConversationID: n.Assignment.ConversationID, Ticket: n.Assignment.Ticket})
			}
		}
		r.match(ctx)
		r.flush(ctx)
	})
}

// tellOptions gives Assigner.Tell a minute of retries: long enough for a
// Temporal frontend restart, short enough that routing's continue-as-new is
// not held up for long.
func tellOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    20 * time.Second,
		ScheduleToCloseTimeout: time.Minute,
	})
}

func (r *router) recordWait(group int64, wait time.Duration, now time.Time) {
	r.Waits = append(r.Waits, Wait{SkillGroupID: group, Wait: wait, At: now})
	// Keep the last keepWaits of each group within the window.
	kept := r.Waits[:0]
	for i, w := range r.Waits {
		if now.Sub(w.At) > waitsWindow {
			continue
		}
		later := 0
		for _, v := range r.Waits[i+1:] {
			if v.SkillGroupID == w.SkillGroupID {
				later++
			}
		}
		if later < keepWaits {
			kept = append(kept, w)
		}
	}
	r.Waits = kept
}

func (r *router) queued(conversationID string) int {
	return slices.IndexFunc(r.Queue, func(e Entry) bool { return e.ConversationID == conversationID })
}

// holder finds the agent serving a conversation and its index in their list.
func (r *router) holder(conversationID string) (*Agent, int) {
	for ai := range r.Agents {
		a := &r.Agents[ai]
		if i := slices.IndexFunc(a.Conversations, func(h Held) bool { return h.ConversationID == conversationID }); i >= 0 {
			return a, i
		}
	}
	return nil, -1
}

func (r *router) agent(id string) *Agent {
	if i := slices.IndexFunc(r.Agents, func(a Agent) bool { return a.ID == id }); i >= 0 {
		return &r.Agents[i]
	}
	return nil
}
