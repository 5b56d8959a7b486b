package agentdesk

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/internal/wait"
)

const (
	// keepEvents bounds the feed: a console that falls further behind
	// reloads the agent's conversations instead.
	keepEvents = 1000
	// requestsPerRun is how many signals and polls a run takes before it
	// continues as new, far below the server's per-run update limit.
	requestsPerRun = 500
)

// desk is the running feed around its state.
type desk struct {
	State
	requests int
	// polling counts the polls in progress: an agent waiting on a long-poll is present.
	polling int
}

// Workflow runs an agent's feed for as long as the agent exists.
func Workflow(ctx workflow.Context, st State) error {
	d := &desk{State: st}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePoll, d.onPoll,
		workflow.UpdateHandlerOptions{Validator: validatePoll}); err != nil {
		return err
	}
	events := workflow.GetSignalChannel(ctx, SignalEvent)
	// One presence timer at a time, re-armed only when it fires, so that the
	// stream of polls and events never starts and cancels timers.
	var timer workflow.Future
	for {
		if at := d.awayAt(); timer == nil && !at.IsZero() {
			timer = workflow.NewTimer(ctx, max(time.Second, at.Sub(workflow.Now(ctx))))
		}
		if err := workflow.Await(ctx, func() bool {
			return events.Len() > 0 || d.full(ctx) || (timer != nil && timer.IsReady())
		}); err != nil {
			return err
		}
		if timer != nil && timer.IsReady() {
			timer = nil
			if err := d.checkPresence(ctx); err != nil {
				return err
			}
		}
		d.drain(ctx, events)
		if d.full(ctx) {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			// Signals that arrived while the handlers finished go with the state.
			d.drain(ctx, events)
			return workflow.NewContinueAsNewError(ctx, WorkflowName, d.State)
		}
	}
}

// awayAt is when the agent counts as gone if nothing happens; zero when
// presence is not being watched.
func (d *desk) awayAt() time.Time {
	if d.Status == "" || d.Status == offline || d.RoutingWorkflowID == "" || d.LastSeen.IsZero() {
		return time.Time{}
	}
	return d.LastSeen.Add(PresenceTimeout)
}

// offline is routing's OFFLINE presence, spelled here because routing
// imports this package and not the other way round.
const offline = "OFFLINE"

// checkPresence takes an agent who stopped polling offline through routing.
func (d *desk) checkPresence(ctx workflow.Context) error {
	at := d.awayAt()
	if at.IsZero() || d.polling > 0 || workflow.Now(ctx).Before(at) {
		return nil
	}
	err := workflow.SignalExternalWorkflow(ctx, d.RoutingWorkflowID, "", SignalAgentAway, AgentAway{AgentID: d.AgentID}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not take an absent agent offline", "agent", d.AgentID, "error", err)
		return nil
	}
	d.Status = offline
	d.add(ctx, Event{Type: EventStatus, Status: offline})
	return nil
}

func (d *desk) full(ctx workflow.Context) bool {
	limit := d.ContinueAsNewAfter
	if limit <= 0 {
		limit = requestsPerRun
	}
	return d.requests >= limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

func (d *desk) drain(ctx workflow.Context, ch workflow.ReceiveChannel) {
	for {
		var e Event
		if !ch.ReceiveAsync(&e) {
			return
		}
		d.requests++
		if e.Type == EventStatus {
			d.Status = e.Status
			d.LastSeen = workflow.Now(ctx)
		}
		d.add(ctx, e)
	}
}

// add numbers an event and keeps it in the bounded feed.
func (d *desk) add(ctx workflow.Context, e Event) {
	d.NextSeq++
	e.Seq = d.NextSeq
	if e.At.IsZero() {
		e.At = workflow.Now(ctx)
	}
	d.Events = append(d.Events, e)
	if len(d.Events) > keepEvents {
		d.Events = d.Events[len(d.Events)-keepEvents:]
	}
}

func validatePoll(_ workflow.Context, r PollRequest) error {
	if r.Cursor < 0 {
		return errors.New("cursor must not be negative")
	}
	if r.Wait < 0 || r.Wait > MaxPollWait {
		return errors.New("wait out of range")
	}
	return nil
}

// onPoll returns the events after the cursor. A cursor from before the
// oldest kept event gets what is kept; the gap shows in the sequence numbers.
func (d *desk) onPoll(ctx workflow.Context, r PollRequest) (PollResult, error) {
	d.requests++
	d.polling++
	d.LastSeen = workflow.Now(ctx)
	defer func() {
		d.polling--
		d.LastSeen = workflow.Now(ctx)
	}()
	if r.Wait > 0 && d.NextSeq <= r.Cursor {
		if _, err := wait.Until(ctx, workflow.Now(ctx).Add(r.Wait), func() bool { return d.NextSeq > r.Cursor }); err != nil {
			return PollResult{}, err
		}
	}
	out := []Event{}
	for _, e := range d.Events {
		if e.Seq > r.Cursor {
			out = append(out, e)
		}
	}
	return PollResult{Events: out, Cursor: max(r.Cursor, d.NextSeq)}, nil
}
