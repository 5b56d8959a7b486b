package routing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// canEvent is one thing the outside world does to routing: a conversation
// queues or leaves, an agent becomes ready or stops reading their events.
type canEvent struct {
	// at is the offset from the previous event; several events share an
	// instant when it is zero, so they arrive in one workflow task.
	at    time.Duration
	kind  string // "enqueue", "leave", "away", "ready"
	conv  string
	agent string
}

// canModel is what the test sent routing, applied in the order routing got it.
type canModel struct {
	// open conversations were enqueued and have not left.
	open map[string]bool
	// away agents were taken offline and have not been ready since.
	away map[string]bool
}

func (m *canModel) apply(e canEvent) {
	switch e.kind {
	case "enqueue":
		m.open[e.conv] = true
	case "leave":
		m.open[e.conv] = false
	case "away":
		m.away[e.agent] = true
	case "ready":
		m.away[e.agent] = false
	}
}

// TestContinueAsNewLosesNoSignalUnderRandomInterleavings forces routing to
// continue as new every few requests while enqueues, leaves and agent-away
// signals keep arriving in random orders and bursts, and while routing's own
// signals to conversations are still in flight (each takes a while). Every
// run's continue-as-new state is fed to the next run, as Temporal would. At
// each continue-as-new, and at the end, every conversation that queued and
// did not leave is queued or held by an agent, exactly once; nothing that
// left is anywhere; an agent taken away is offline and holds nothing.
func TestContinueAsNewLosesNoSignalUnderRandomInterleavings(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { playContinueAsNew(t, seed) })
	}
}

func playContinueAsNew(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed*104729))
	agents := []string{"a1", "a2", "a3"}
	var events []canEvent
	enqueued := 0
	for len(events) < 160 {
		at := time.Duration(rng.IntN(3)) * 500 * time.Millisecond // 0 (same instant), 0.5 s or 1 s
		if n := len(events); n > 0 && events[n-1].kind == "ready" {
			// A status update and a signal of one instant run in an order of
			// the SDK's choosing; the model needs to know which came first.
			at = max(at, 500*time.Millisecond)
		}
		switch op := rng.IntN(10); {
		case op < 4:
			enqueued++
			events = append(events, canEvent{at: at, kind: "enqueue", conv: fmt.Sprint("c", enqueued)})
		case op < 6 && enqueued > 0:
			events = append(events, canEvent{at: at, kind: "leave", conv: fmt.Sprint("c", 1+rng.IntN(enqueued))})
		case op < 8:
			events = append(events, canEvent{at: at, kind: "away", agent: agents[rng.IntN(len(agents))]})
		default:
			events = append(events, canEvent{at: max(at, 500*time.Millisecond), kind: "ready", agent: agents[rng.IntN(len(agents))]})
		}
	}
	m := &canModel{open: map[string]bool{}, away: map[string]bool{}}
	st := State{TenantID: "demo", ContinueAsNewAfter: 3 + int(seed%5)}
	runs := 0
	for len(events) > 0 {
		runs++
		require.Less(t, runs, 200, "every run makes progress")
		var next *State
		next, events = runOnce(t, rng, st, events, m)
		if next == nil {
			break
		}
		st = *next
	}
	require.Greater(t, runs, 3, "the sequence continued as new several times")
}

// delivery records what reached the workflow, in the order it did, and
// applies it to the model then: an event sent to a run that had already
// decided to continue as new never reached it, and Temporal hands it to the
// next run (the test does too).
type delivery struct {
	interceptor.WorkerInterceptorBase
	m *canModel
	// inFlight are the events sent and not yet seen by the workflow, per kind.
	inFlight map[string][]canEvent
}

func (d *delivery) sent(e canEvent) { d.inFlight[e.kind] = append(d.inFlight[e.kind], e) }

func (d *delivery) arrived(kind string) {
	if q := d.inFlight[kind]; len(q) > 0 {
		d.m.apply(q[0])
		d.inFlight[kind] = q[1:]
	}
}

// InterceptWorkflow watches the routing workflow's signals and updates.
func (d *delivery) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &deliveryInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, d: d}
}

type deliveryInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	d *delivery
}

func (i *deliveryInbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	switch in.SignalName {
	case SignalEnqueue:
		i.d.arrived("enqueue")
	case SignalLeave:
		i.d.arrived("leave")
	case SignalAgentAway:
		i.d.arrived("away")
	}
	return i.Next.HandleSignal(ctx, in)
}

func (i *deliveryInbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	i.d.arrived("ready")
	return i.Next.ExecuteUpdate(ctx, in)
}

// runOnce runs routing from st and sends events until the run continues as
// new (it returns the new state) or the events run out (it cancels the run
// and returns nil). It returns the events the run did not get, in order.
func runOnce(t *testing.T, rng *rand.Rand, st State, events []canEvent, m *canModel) (*State, []canEvent) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	d := &delivery{m: m, inFlight: map[string][]canEvent{}}
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{d}})
	env.RegisterWorkflowWithOptions(RoutingWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	// Routing's signals to conversations take a random while, so that a
	// run that wants to continue as new waits for them while more arrive.
	delay := time.Duration(100+rng.IntN(900)) * time.Millisecond
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", mock.Anything, mock.Anything).After(delay).Return(nil)
	env.SetStartTime(start)

	// One callback per instant sends that instant's events in order (timers
	// of one instant fire in no particular order), so they reach the
	// workflow together, in one task.
	taken := 0
	send := func(e canEvent) {
		taken++
		d.sent(e)
		switch e.kind {
		case "enqueue":
			env.SignalWorkflow(SignalEnqueue, entry(e.conv, 11, start))
		case "leave":
			env.SignalWorkflow(SignalLeave, Leave{ConversationID: e.conv, Ticket: 1})
		case "away":
			env.SignalWorkflow(SignalAgentAway, AgentAway{AgentID: e.agent})
		case "ready":
			env.UpdateWorkflow(UpdateAgentStatus, "", &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { require.NoError(t, err) }, OnComplete: func(any, error) {},
			}, ready(e.agent, 2, 11))
		}
	}
	var offset time.Duration
	for i := 0; i < len(events); {
		offset += events[i].at
		j := i + 1
		for j < len(events) && events[j].at == 0 {
			j++
		}
		first, batch := i, events[i:j]
		env.RegisterDelayedCallback(func() {
			if env.IsWorkflowCompleted() || taken != first {
				return // the run is over: the events go to the next run
			}
			for _, e := range batch {
				send(e)
			}
		}, time.Second+offset)
		i = j
	}
	end := time.Second + offset + 5*time.Second
	var final Queues
	env.RegisterDelayedCallback(func() {
		final = queuesOf(t, env)
		env.CancelWorkflow()
	}, end)
	env.ExecuteWorkflow(WorkflowName, st)
	require.True(t, env.IsWorkflowCompleted())

	// What was sent but never reached this run goes first to the next.
	var missed []canEvent
	for _, e := range events[:taken] {
		if q := d.inFlight[e.kind]; len(q) > 0 && q[0] == e {
			missed = append(missed, e)
			d.inFlight[e.kind] = q[1:]
		}
	}
	rest := append(missed, events[taken:]...)
	var can *workflow.ContinueAsNewError
	if errors.As(env.GetWorkflowError(), &can) {
		var next State
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
		checkCarried(t, m, Queues{Waiting: next.Queue, Agents: next.Agents}, "at continue-as-new")
		return &next, rest
	}
	require.Empty(t, rest, "a run that did not continue as new got every event (it ended with %v)", env.GetWorkflowError())
	checkCarried(t, m, final, "at the end")
	return nil, nil
}

func queuesOf(t *testing.T, env *testsuite.TestWorkflowEnvironment) Queues {
	v, err := env.QueryWorkflow(QueryQueues, env.Now())
	require.NoError(t, err)
	var q Queues
	require.NoError(t, v.Get(&q))
	return q
}

// checkCarried compares routing's queues and agents with the model.
func checkCarried(t *testing.T, m *canModel, q Queues, when string) {
	t.Helper()
	where := map[string]string{}
	place := func(id, p string) {
		require.NotContains(t, where, id, "%s: %s is both %s and %s", when, id, where[id], p)
		where[id] = p
	}
	for _, e := range q.Waiting {
		place(e.ConversationID, "queued")
	}
	for _, a := range q.Agents {
		for _, c := range a.Conversations {
			place(c.ConversationID, "held by "+a.ID)
		}
		if m.away[a.ID] {
			require.Equal(t, StatusOffline, a.Status, "%s: agent %s went away but is %s", when, a.ID, a.Status)
			require.Empty(t, a.Conversations, "%s: agent %s went away but holds chats", when, a.ID)
		}
	}
	var open []string
	for id, o := range m.open {
		if o {
			open = append(open, id)
		}
	}
	slices.Sort(open)
	for _, id := range open {
		require.Contains(t, where, id, "%s: %s queued and never left, but routing lost it", when, id)
	}
	for id, p := range where {
		require.True(t, m.open[id], "%s: %s left but is still %s", when, id, p)
	}
}
