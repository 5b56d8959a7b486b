package outbound

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

// dialMargin is how much longer than the SIP service's own dial timeout the
// workflow waits for news of the trunk leg before it gives the call up.
const dialMargin = 30 * time.Second

// changeAnsweredThenEnded: a trunk leg answered and hung up before the
// workflow woke (both signals in one task) connected, then ended; the first
// version failed it.
const changeAnsweredThenEnded = "outbound-answered-then-ended"

// flow is the running call; it holds a handful of fields, whatever happens.
type flow struct {
	in    Start
	state State
	// dial is set by the accepted dial update, answered and ended by signals.
	dial, answered bool
	ended          *LegEnded
	reason         string
	steps          int64
	connectedAt    time.Time
}

// OutboundCallWorkflow runs one outbound call from the request to its end.
func OutboundCallWorkflow(ctx workflow.Context, in Start) (Snapshot, error) {
	f := &flow{in: in, state: StateRequested}
	if err := f.register(ctx); err != nil {
		return Snapshot{}, err
	}
	answered := workflow.GetSignalChannel(ctx, SignalAnswered)
	ended := workflow.GetSignalChannel(ctx, SignalEnded)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			s := workflow.NewSelector(ctx)
			s.AddReceive(answered, func(c workflow.ReceiveChannel, _ bool) {
				c.Receive(ctx, nil)
				f.answered = true
			})
			s.AddReceive(ended, func(c workflow.ReceiveChannel, _ bool) {
				var e LegEnded
				c.Receive(ctx, &e)
				if f.ended == nil {
					f.ended = &e
				}
			})
			s.Select(ctx)
		}
	})
	if err := f.run(ctx); err != nil {
		return Snapshot{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Snapshot{}, err
	}
	return f.snapshot(), nil
}

func (f *flow) register(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDial, f.onDial,
		workflow.UpdateHandlerOptions{Validator: f.validateDial}); err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, QueryState, func() (Snapshot, error) { return f.snapshot(), nil })
}

func (f *flow) snapshot() Snapshot {
	return Snapshot{CallSerialNo: f.in.CallSerialNo, State: f.state, Reason: f.reason}
}

// run moves the call through its states until it ends.
func (f *flow) run(ctx workflow.Context) error {
	expiry := workflow.Now(ctx).Add(f.in.AccessCodeTTL)
	workflow.SetCurrentDetails(ctx, f.details())
	for !f.state.Ended() {
		var err error
		switch f.state {
		case StateRequested:
			err = f.requested(ctx, expiry)
		case StateDialing:
			err = f.dialing(ctx)
		case StateConnected:
			err = f.connected(ctx)
		default:
			return fmt.Errorf("outbound call in unexpected state %s", f.state)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// requested waits for the app to dial the access code, until it expires.
func (f *flow) requested(ctx workflow.Context, expiry time.Time) error {
	woke, err := wait.Until(ctx, expiry, func() bool { return f.dial })
	if err != nil {
		return err
	}
	if !woke {
		return f.step(ctx, StateExpired, stepOpts{ended: true, reason: DescExpired})
	}
	return f.step(ctx, StateDialing, stepOpts{})
}

// dialing waits for the trunk leg's answer or its end.
func (f *flow) dialing(ctx workflow.Context) error {
	deadline := workflow.Now(ctx).Add(f.in.DialTimeout + dialMargin)
	woke, err := wait.Until(ctx, deadline, func() bool { return f.answered || f.ended != nil })
	if err != nil {
		return err
	}
	answeredFirst := f.answered && f.ended != nil &&
		workflow.GetVersion(ctx, changeAnsweredThenEnded, workflow.DefaultVersion, 1) == 1
	switch {
	case f.ended != nil && !answeredFirst:
		return f.step(ctx, StateFailed, stepOpts{ended: true, reason: endReason(*f.ended), sip: f.ended.SIPStatus})
	case !woke:
		return f.step(ctx, StateFailed, stepOpts{ended: true, reason: DescNoAnswer})
	}
	f.connectedAt = workflow.Now(ctx)
	return f.step(ctx, StateConnected, stepOpts{sip: 200})
}

// connected waits for either side's hang-up or the maximum duration.
func (f *flow) connected(ctx workflow.Context) error {
	deadline := f.connectedAt.Add(f.in.MaxDuration)
	woke, err := wait.Until(ctx, deadline, func() bool { return f.ended != nil })
	if err != nil {
		return err
	}
	reason := DescMaxLength
	if woke {
		reason = endReason(*f.ended)
	}
	return f.step(ctx, StateEnded, stepOpts{ended: true, reason: reason})
}

// endReason says why a leg ended, in the record's words.
func endReason(e LegEnded) string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Side == SideApp:
		return DescAppHangUp
	case e.Side == SideCalled:
		return DescCalledHung
	}
	return DescEnded
}

type stepOpts struct {
	ended  bool
	reason string
	sip    int
}

// step writes the call's next state, then takes it.
func (f *flow) step(ctx workflow.Context, st State, o stepOpts) error {
	s := activities.OutboundStep{
		CallSerialNo: f.in.CallSerialNo, Number: f.steps + 1, State: string(st), At: workflow.Now(ctx),
		Ended: o.ended, EndReason: o.reason, SIPStatus: o.sip,
	}
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: localRetryWindow,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
		},
	})
	var a *activities.Outbound
	if err := workflow.ExecuteLocalActivity(ctx, a.OutboundStep, s).Get(ctx, nil); err != nil {
		return err
	}
	f.steps, f.state, f.reason = s.Number, st, o.reason
	workflow.SetCurrentDetails(ctx, f.details())
	return nil
}

func (f *flow) details() string {
	switch f.state {
	case StateRequested:
		return "waiting for the app to dial the access code"
	case StateDialing:
		return "dialling the called number through the SIP trunk"
	case StateConnected:
		return "connected: relaying media"
	}
	return fmt.Sprintf("%s: %s", f.state, f.reason)
}

// validateDial accepts the first dial of a call still waiting for it.
func (f *flow) validateDial() error {
	switch {
	case f.state == StateExpired:
		return refuse(DescExpired)
	case f.state.Ended():
		return refuse(DescEnded)
	case f.dial:
		return refuse(DescUsed)
	}
	return nil
}

func (f *flow) onDial(ctx workflow.Context) (Snapshot, error) {
	if err := f.validateDial(); err != nil {
		return Snapshot{}, err
	}
	f.dial = true
	err := workflow.Await(ctx, func() bool { return f.state != StateRequested })
	return f.snapshot(), err
}
