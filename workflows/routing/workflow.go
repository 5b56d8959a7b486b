package routing

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"
)

const (
	// requestsPerRun is how many signals and updates a run takes before it
	// continues as new; a busy tenant's history stays short to replay.
	requestsPerRun = 1000
	// keepWaits is how many recent waits per skill group feed the estimate.
	keepWaits = 20
	// waitsWindow is how old a wait may be and still count.
	waitsWindow = 24 * time.Hour
)

// router is the running workflow around its state.
type router struct {
	State
	requests int
	// sending counts signals to other workflows not yet acknowledged; the run
	// continues as new only once none is left.
	sending int
	// batched is true for runs that tell conversations of their agents a
	// batch at a time (see assignInBatches); outbox holds the batch.
	batched bool
	outbox  []AssignNotice
	// indexed is what the run last upserted as search attributes.
	indexed indexed
}

// RoutingWorkflow runs the routing of one tenant for as long as it has conversations.
func RoutingWorkflow(ctx workflow.Context, st State) error {
	r := &router{State: st}
	r.batched = workflow.GetVersion(ctx, assignInBatches, workflow.DefaultVersion, 1) == 1
	if err := r.register(ctx); err != nil {
		return err
	}
	enqueue := workflow.GetSignalChannel(ctx, SignalEnqueue)
	leave := workflow.GetSignalChannel(ctx, SignalLeave)
	away := workflow.GetSignalChannel(ctx, SignalAgentAway)
	// A channel that no signal of an older run's history names changes no
	// command: runs recorded before it replay as they ran.
	batches := workflow.GetSignalChannel(ctx, SignalRequests)
	in := inbox{enqueue: enqueue, leave: leave, away: away, batches: batches}
	for {
		if err := workflow.Await(ctx, func() bool { return in.waiting() || r.full(ctx) }); err != nil {
			return err
		}
		r.drain(ctx, in)
		if r.full(ctx) {
			// Continue as new only when nothing is in flight and no signal
			// waits: a drain can send signals, so drain and wait until both hold.
			for {
				if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && r.sending == 0 }); err != nil {
					return err
				}
				if !in.waiting() {
					break
				}
				r.drain(ctx, in)
			}
			return workflow.NewContinueAsNewError(ctx, WorkflowName, r.State)
		}
	}
}

func (r *router) register(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAgentStatus, r.onAgentStatus,
		workflow.UpdateHandlerOptions{Validator: validateAgentStatus}); err != nil {
		return err
	}
	// Queries answer at the caller's time: a query does not advance
	// workflow time, so workflow.Now would be the last event's, and a visitor
	// waiting alone would see the same waits for ever.
	if err := workflow.SetQueryHandler(ctx, QueryQueueInfo, func(q QueueInfoRequest) (QueueInfo, error) {
		return r.queueInfo(q, asOf(ctx, q.Now)), nil
	}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryQueues, func(now time.Time) (Queues, error) {
		return r.queues(asOf(ctx, now)), nil
	}); err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, QueryAgent, func(agentID string) (Agent, error) {
		if a := r.agent(agentID); a != nil {
			return *a, nil
		}
		return Agent{ID: agentID, Status: StatusOffline}, nil
	})
}

func (r *router) full(ctx workflow.Context) bool {
	limit := r.ContinueAsNewAfter
	if limit <= 0 {
		limit = requestsPerRun
	}
	return r.requests >= limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// inbox is routing's signal channels.
type inbox struct {
	enqueue, leave, away, batches workflow.ReceiveChannel
}

// waiting says whether a signal waits on any channel.
func (in inbox) waiting() bool {
	return in.enqueue.Len() > 0 || in.leave.Len() > 0 || in.away.Len() > 0 || in.batches.Len() > 0
}

// drain applies every signal waiting, in arrival order per channel, then matches once.
func (r *router) drain(ctx workflow.Context, in inbox) {
	for {
		var e Entry
		var l Leave
		var gone AgentAway
		var batch Requests
		switch {
		case in.enqueue.ReceiveAsync(&e):
			r.requests++
			r.enqueue(ctx, e)
		case in.leave.ReceiveAsync(&l):
			r.requests++
			r.leave(l)
		case in.batches.ReceiveAsync(&batch):
			for _, q := range batch.Items {
				r.requests++
				switch {
				case q.Enqueue != nil:
					r.enqueue(ctx, *q.Enqueue)
				case q.Leave != nil:
					r.leave(*q.Leave)
				}
			}
		case in.away.ReceiveAsync(&gone):
			r.requests++
			// The console stopped reading: the agent is offline, whatever they last chose.
			if a := r.agent(gone.AgentID); a != nil && a.Status != StatusOffline {
				r.setStatus(ctx, AgentStatus{AgentID: a.ID, Name: a.Name, SkillGroups: a.SkillGroups, Capacity: a.Capacity, Status: StatusOffline})
			}
		default:
			r.match(ctx)
			r.flush(ctx)
			workflow.SetCurrentDetails(ctx, r.details())
			r.upsertSearchAttributes(ctx)
			return
		}
	}
}

func validateAgentStatus(_ workflow.Context, s AgentStatus) error {
	switch {
	case s.AgentID == "":
		return errors.New("agent id is required")
	case !s.Status.Valid():
		return errors.New("status must be READY, NOT_READY or OFFLINE")
	case s.Capacity < 1:
		return errors.New("capacity must be at least 1")
	}
	return nil
}

// onAgentStatus applies a presence change and answers with the agent as routing now sees them.
func (r *router) onAgentStatus(ctx workflow.Context, s AgentStatus) (Agent, error) {
	r.requests++
	r.setStatus(ctx, s)
	r.match(ctx)
	r.flush(ctx)
	workflow.SetCurrentDetails(ctx, r.details())
	r.upsertSearchAttributes(ctx)
	return *r.agent(s.AgentID), nil
}

// signal sends a signal to another workflow and, when onDone is given,
// tells it how that went (nil once the signal is in the other workflow's
// history). Routing never waits for the answer inline: one absent
// conversation must not hold up everyone else's routing.
func (r *router) signal(ctx workflow.Context, workflowID, name string, arg any, onDone func(error)) {
	r.sending++
	f := workflow.SignalExternalWorkflow(ctx, workflowID, "", name, arg)
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.sending-- }()
		err := f.Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Warn("signal failed", "workflow", workflowID, "signal", name, "error", err)
		}
		if onDone != nil {
			onDone(err)
		}
	})
}

// asOf is the time a query answers at: the caller's, unless it is missing
// or before the workflow's own (clocks of replicas differ a little).
func asOf(ctx workflow.Context, now time.Time) time.Time {
	if wf := workflow.Now(ctx); now.Before(wf) {
		return wf
	}
	return now
}
