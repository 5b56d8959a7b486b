package agentdesk

import (
	"errors"

	"go.temporal.io/sdk/workflow"
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
}

// Workflow runs an agent's feed for as long as the agent exists.
func Workflow(ctx workflow.Context, st State) error {
	d := &desk{State: st}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePoll, d.onPoll,
		workflow.UpdateHandlerOptions{Validator: validatePoll}); err != nil {
		return err
	}
	events := workflow.GetSignalChannel(ctx, SignalEvent)
	for {
		if err := workflow.Await(ctx, func() bool { return events.Len() > 0 || d.full(ctx) }); err != nil {
			return err
		}
		d.drain(ctx, events)
		if d.full(ctx) {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			// Signals that arrived while the handlers finished go with the state.
			d.drain(ctx, events)
			return workflow.NewContinueAsNewError(ctx, Workflow, d.State)
		}
	}
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
	if r.Wait > 0 && d.NextSeq <= r.Cursor {
		timerCtx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(timerCtx, r.Wait)
		err := workflow.Await(ctx, func() bool { return d.NextSeq > r.Cursor || timer.IsReady() })
		cancel()
		if err != nil {
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
