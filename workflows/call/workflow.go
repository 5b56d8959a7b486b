package call

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/internal/wait"
)

// localRetryWindow is how long a step's write is retried: a database
// outage delays the call's record, never loses it.
const localRetryWindow = 24 * time.Hour

// flow is the running call. Everything in it is bounded: a call has a
// handful of steps.
type flow struct {
	in    Start
	state State
	// agent is the conversation's serving agent as last told; rung is the
	// agent the call rings or talks to.
	agent, rung AgentRef
	convEnded   bool
	// accepted, rejected and drop are the updates the main loop acts on.
	accepted, rejected bool
	drop               *DropRequest
	cause              Cause
	steps              int64
	connectedAt        time.Time
}

// CallWorkflow runs one click-to-call from the request to its end.
func CallWorkflow(ctx workflow.Context, in Start) (Snapshot, error) {
	f := &flow{in: in, state: StateRequested, agent: in.Agent}
	if err := f.register(ctx); err != nil {
		return Snapshot{}, err
	}
	news := workflow.GetSignalChannel(ctx, SignalConversation)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var n ConversationNews
			news.Receive(ctx, &n)
			if n.Ended {
				f.convEnded = true
			} else {
				f.agent = n.Agent
			}
		}
	})
	if err := f.run(ctx); err != nil {
		return Snapshot{}, err
	}
	// Updates that came with the end are answered before the run completes.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Snapshot{}, err
	}
	return f.snapshot(), nil
}

func (f *flow) register(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAccept, f.onAccept,
		workflow.UpdateHandlerOptions{Validator: f.validateAnswer}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReject, f.onReject,
		workflow.UpdateHandlerOptions{Validator: f.validateAnswer}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDrop, f.onDrop,
		workflow.UpdateHandlerOptions{Validator: f.validateDrop}); err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, QueryState, func() (Snapshot, error) { return f.snapshot(), nil })
}

func (f *flow) snapshot() Snapshot {
	return Snapshot{CallID: f.in.CallID, State: f.state, Agent: f.rung, Cause: f.cause}
}

// run moves the call through its states until it ends.
func (f *flow) run(ctx workflow.Context) error {
	start := workflow.Now(ctx)
	queueDeadline := start.Add(f.in.QueueTimeout)
	if err := f.step(ctx, StateQueuing, stepOpts{event: &activities.CallEvent{EventID: EventInQueue, Desc: DescInQueue}}); err != nil {
		return err
	}
	for !f.state.Ended() {
		var err error
		switch f.state {
		case StateQueuing:
			err = f.queuing(ctx, queueDeadline)
		case StateRinging:
			err = f.ringing(ctx)
		case StateConnected:
			err = f.connected(ctx)
		default:
			return fmt.Errorf("call in unexpected state %s", f.state)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// queuing waits for the conversation's agent (routing reserves one for the
// conversation, within the agent's capacity), the queue's timeout, a
// cancel, or the conversation's end.
func (f *flow) queuing(ctx workflow.Context, deadline time.Time) error {
	woke, err := wait.Until(ctx, deadline, func() bool {
		return f.agent.AgentID != "" || f.drop != nil || f.convEnded
	})
	if err != nil {
		return err
	}
	if ended, err := f.cutShort(ctx); ended {
		return err
	}
	if !woke {
		return f.fail(ctx, StateQueueTimeout, CauseQueueTimeout, EventQueueTimeout, DescQueueTimeout)
	}
	f.rung = f.agent
	return f.step(ctx, StateRinging, stepOpts{agent: f.rung.AgentID, tell: f.rung.AgentID})
}

// ringing waits for the agent's answer, for as long as the ring timeout.
func (f *flow) ringing(ctx workflow.Context) error {
	deadline := workflow.Now(ctx).Add(f.in.RingTimeout)
	woke, err := wait.Until(ctx, deadline, func() bool {
		return f.accepted || f.rejected || f.drop != nil || f.convEnded || f.agent.AgentID != f.rung.AgentID
	})
	if err != nil {
		return err
	}
	if ended, err := f.cutShort(ctx); ended {
		return err
	}
	switch {
	case f.accepted:
		f.connectedAt = workflow.Now(ctx)
		return f.step(ctx, StateConnected, stepOpts{
			tell:   f.rung.AgentID,
			event:  &activities.CallEvent{EventID: EventConnected, Desc: DescConnected},
			notice: text(f.in.Locale, textConnected),
		})
	case f.rejected:
		return f.fail(ctx, StateFailed, CauseAgentRejected, EventFailed, DescFailed)
	case f.agent.AgentID != f.rung.AgentID:
		// The conversation went back to the queue (the agent went
		// offline) or to another agent: stop ringing this one and wait
		// for, or ring, the next.
		prev := f.rung.AgentID
		f.rung = AgentRef{}
		return f.step(ctx, StateQueuing, stepOpts{tell: prev})
	case !woke:
		return f.fail(ctx, StateFailed, CauseNoAnswer, EventFailed, DescFailed)
	}
	return nil
}

// connected waits for a hang-up from either side, the agent leaving the
// conversation, its end, or the call's maximum duration.
func (f *flow) connected(ctx workflow.Context) error {
	var deadline time.Time
	if f.in.MaxDuration > 0 {
		deadline = f.connectedAt.Add(f.in.MaxDuration)
	}
	woke, err := wait.Until(ctx, deadline, func() bool {
		return f.drop != nil || f.convEnded || f.agent.AgentID != f.rung.AgentID
	})
	if err != nil {
		return err
	}
	cause := CauseMaxDuration
	switch {
	case f.drop != nil && f.drop.Side == SideAgent:
		cause = CauseAgentHangUp
	case f.drop != nil:
		cause = CauseCustomerHangUp
	case f.convEnded:
		cause = CauseConversationOver
	case woke:
		cause = CauseAgentLeft
	}
	f.cause = cause
	secs := int64(workflow.Now(ctx).Sub(f.connectedAt) / time.Second)
	return f.step(ctx, StateReleased, stepOpts{
		tell: f.rung.AgentID, ended: true, reason: cause.Desc,
		event:  &activities.CallEvent{EventID: EventDisconnected, Desc: DescDisconnected, CauseID: cause.ID, CauseDesc: cause.Desc},
		notice: endedText(f.in.Locale, secs),
	})
}

// cutShort ends a call that has not connected when the visitor dropped it
// or the conversation ended; ended reports that it did.
func (f *flow) cutShort(ctx workflow.Context) (ended bool, err error) {
	switch {
	case f.drop != nil:
		return true, f.fail(ctx, StateReleased, CauseCustomerCancel, EventDisconnected, DescDisconnected)
	case f.convEnded:
		return true, f.fail(ctx, StateFailed, CauseConversationOver, EventFailed, DescFailed)
	}
	return false, nil
}

// fail ends a call that never connected.
func (f *flow) fail(ctx workflow.Context, st State, cause Cause, eventID, desc string) error {
	f.cause = cause
	return f.step(ctx, st, stepOpts{
		tell: f.rung.AgentID, ended: true, reason: cause.Desc,
		event:  &activities.CallEvent{EventID: eventID, Desc: desc, CauseID: cause.ID, CauseDesc: cause.Desc},
		notice: missedText(f.in.Locale, cause),
	})
}

type stepOpts struct {
	agent, tell, reason, notice string
	ended                       bool
	event                       *activities.CallEvent
}

// step writes the call's next state, then takes it.
func (f *flow) step(ctx workflow.Context, st State, o stepOpts) error {
	s := activities.CallStep{
		CallID: f.in.CallID, Number: f.steps + 1, State: string(st), At: workflow.Now(ctx),
		AgentID: o.agent, EndReason: o.reason, Ended: o.ended, Event: o.event, TellAgent: o.tell,
	}
	if o.notice != "" {
		s.Notice = &activities.CallNotice{Content: o.notice, SenderName: text(f.in.Locale, textSystemName)}
	}
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: localRetryWindow,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
		},
	})
	var a *activities.Calls
	if err := workflow.ExecuteLocalActivity(ctx, a.CallStep, s).Get(ctx, nil); err != nil {
		return err
	}
	f.steps, f.state = s.Number, st
	workflow.SetCurrentDetails(ctx, f.details())
	return nil
}

func (f *flow) details() string {
	switch f.state {
	case StateQueuing:
		return fmt.Sprintf("%s waiting for an agent", f.in.UserID)
	case StateRinging:
		return fmt.Sprintf("ringing agent %s for %s", f.rung.AgentID, f.in.UserID)
	case StateConnected:
		return fmt.Sprintf("%s talking with agent %s", f.in.UserID, f.rung.AgentID)
	}
	return fmt.Sprintf("%s: %s", f.state, f.cause.Desc)
}

// validateAnswer accepts an accept or reject only from the rung agent while ringing.
func (f *flow) validateAnswer(r AgentRequest) error {
	switch {
	case f.state.Ended():
		return refuse(DescCallEnded)
	case f.state != StateRinging || f.accepted || f.rejected:
		return refuse(DescNotRinging)
	case r.AgentID != f.rung.AgentID:
		return refuse(DescNotYourCall)
	}
	return nil
}

func (f *flow) onAccept(ctx workflow.Context, r AgentRequest) (Snapshot, error) {
	if err := f.validateAnswer(r); err != nil {
		return Snapshot{}, err
	}
	f.accepted = true
	err := workflow.Await(ctx, func() bool { return f.state != StateRinging })
	return f.snapshot(), err
}

func (f *flow) onReject(ctx workflow.Context, r AgentRequest) (Snapshot, error) {
	if err := f.validateAnswer(r); err != nil {
		return Snapshot{}, err
	}
	f.rejected = true
	err := workflow.Await(ctx, func() bool { return f.state.Ended() })
	return f.snapshot(), err
}

// validateDrop accepts a hang-up from the visitor at any time before the
// end, and from the agent once rung.
func (f *flow) validateDrop(r DropRequest) error {
	switch {
	case r.Side != SideCustomer && r.Side != SideAgent:
		return refuse(DescUnknownSide)
	case f.state.Ended() || f.drop != nil:
		return refuse(DescCallEnded)
	case r.Side == SideAgent && (f.rung.AgentID == "" || r.AgentID != f.rung.AgentID):
		return refuse(DescNotYourCall)
	}
	return nil
}

func (f *flow) onDrop(ctx workflow.Context, r DropRequest) (Snapshot, error) {
	if err := f.validateDrop(r); err != nil {
		return Snapshot{}, err
	}
	if r.Side == SideAgent && f.state == StateRinging {
		// An agent hanging up a ringing call rejects it.
		f.rejected = true
	} else {
		f.drop = &r
	}
	err := workflow.Await(ctx, func() bool { return f.state.Ended() })
	return f.snapshot(), err
}
