package outbound

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// t0 lies ahead of the wall clock: the test environment checks a local
// activity's deadline on the wall clock.
var t0 = time.Date(2036, 11, 24, 10, 0, 0, 0, time.UTC)

// fakeStore records the steps the workflow writes.
type fakeStore struct {
	mu    sync.Mutex
	steps []activities.OutboundStep
}

func (f *fakeStore) OutboundStep(_ context.Context, s activities.OutboundStep) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, s)
	return nil
}

func (f *fakeStore) states() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.steps {
		out = append(out, s.State)
	}
	return out
}

func (f *fakeStore) last() activities.OutboundStep {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.steps[len(f.steps)-1]
}

type harness struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	store *fakeStore
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(OutboundCallWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	store := &fakeStore{}
	env.RegisterActivityWithOptions(store.OutboundStep, activity.RegisterOptions{Name: "OutboundStep"})
	return &harness{t: t, env: env, store: store}
}

var in = Start{CallSerialNo: "serial-1", AccessCodeTTL: 2 * time.Minute, DialTimeout: time.Minute, MaxDuration: time.Hour}

// at schedules f at d after the start.
func (h *harness) at(d time.Duration, f func()) { h.env.RegisterDelayedCallback(f, d) }

// dial sends the dial update; refused gets the refusal, state the answer.
func (h *harness) dial(refused *string, state *State) {
	h.env.UpdateWorkflow(UpdateDial, "dial"+time.Now().String(), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) {
			if refused != nil {
				*refused, _ = AsRefusal(err)
			}
		},
		OnComplete: func(res any, _ error) {
			if state != nil {
				if s, ok := res.(Snapshot); ok {
					*state = s.State
				}
			}
		},
	})
}

func (h *harness) run() Snapshot {
	h.env.ExecuteWorkflow(WorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var out Snapshot
	require.NoError(h.t, h.env.GetWorkflowResult(&out))
	return out
}

func TestOutboundDialsConnectsAndTheAppHangsUp(t *testing.T) {
	h := newHarness(t)
	var dialState State
	var again string
	h.at(10*time.Second, func() { h.dial(nil, &dialState) })
	h.at(12*time.Second, func() { h.dial(&again, nil) })
	h.at(15*time.Second, func() { h.env.SignalWorkflow(SignalAnswered, nil) })
	h.at(95*time.Second, func() { h.env.SignalWorkflow(SignalEnded, LegEnded{Side: SideApp}) })
	out := h.run()
	require.Equal(t, StateDialing, dialState, "the dial update answers once the call dials")
	require.Equal(t, DescUsed, again, "an access code opens its call once")
	require.Equal(t, StateEnded, out.State)
	require.Equal(t, DescAppHangUp, out.Reason)
	require.Equal(t, []string{"DIALING", "CONNECTED", "ENDED"}, h.store.states())
	require.Equal(t, t0.Add(10*time.Second), h.store.steps[0].At)
	require.Equal(t, t0.Add(15*time.Second), h.store.steps[1].At)
	require.Equal(t, 200, h.store.steps[1].SIPStatus)
	last := h.store.last()
	require.True(t, last.Ended)
	require.Equal(t, t0.Add(95*time.Second), last.At)
	require.Equal(t, []int64{1, 2, 3}, []int64{h.store.steps[0].Number, h.store.steps[1].Number, last.Number})
}

func TestOutboundTheCalledPartyHangsUp(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.dial(nil, nil) })
	h.at(2*time.Second, func() { h.env.SignalWorkflow(SignalAnswered, nil) })
	h.at(time.Minute, func() { h.env.SignalWorkflow(SignalEnded, LegEnded{Side: SideCalled}) })
	h.at(time.Minute+time.Second, func() { h.env.SignalWorkflow(SignalEnded, LegEnded{Side: SideApp}) })
	out := h.run()
	require.Equal(t, DescCalledHung, out.Reason, "the first leg to end says why")
	require.Equal(t, []string{"DIALING", "CONNECTED", "ENDED"}, h.store.states())
}

func TestOutboundAccessCodeExpires(t *testing.T) {
	h := newHarness(t)
	out := h.run()
	require.Equal(t, StateExpired, out.State)
	require.Equal(t, []string{"EXPIRED"}, h.store.states())
	require.True(t, h.store.last().Ended)
	require.Equal(t, DescExpired, h.store.last().EndReason)
	require.Equal(t, t0.Add(2*time.Minute), h.store.last().At, "the access code's timer")
}

func TestOutboundTrunkRefusesTheCall(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.dial(nil, nil) })
	h.at(5*time.Second, func() {
		h.env.SignalWorkflow(SignalEnded, LegEnded{Side: SideCalled, SIPStatus: 486, Reason: "the SIP trunk answered 486 Busy Here"})
	})
	out := h.run()
	require.Equal(t, StateFailed, out.State)
	require.Equal(t, []string{"DIALING", "FAILED"}, h.store.states())
	require.Equal(t, 486, h.store.last().SIPStatus)
	require.Equal(t, "the SIP trunk answered 486 Busy Here", h.store.last().EndReason)
}

func TestOutboundAppCancelsWhileDialing(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.dial(nil, nil) })
	h.at(3*time.Second, func() { h.env.SignalWorkflow(SignalEnded, LegEnded{Side: SideApp}) })
	out := h.run()
	require.Equal(t, StateFailed, out.State)
	require.Equal(t, DescAppHangUp, out.Reason)
}

func TestOutboundDialTimesOutWithoutNews(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.dial(nil, nil) })
	out := h.run()
	require.Equal(t, StateFailed, out.State)
	require.Equal(t, DescNoAnswer, out.Reason)
	require.Equal(t, t0.Add(time.Second+time.Minute+dialMargin), h.store.last().At, "the dial timeout and its margin")
}

func TestOutboundEndsAtItsMaximumDuration(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.dial(nil, nil) })
	h.at(2*time.Second, func() { h.env.SignalWorkflow(SignalAnswered, nil) })
	out := h.run()
	require.Equal(t, StateEnded, out.State)
	require.Equal(t, DescMaxLength, out.Reason)
	require.Equal(t, t0.Add(2*time.Second+time.Hour), h.store.last().At)
}

func TestOutboundAnsweredAndEndedTogetherConnectsThenEnds(t *testing.T) {
	h := newHarness(t)
	// Both signals come while the dialing step is written: the workflow
	// wakes in dialing with both.
	h.at(time.Second, func() {
		h.dial(nil, nil)
		h.env.SignalWorkflow(SignalAnswered, nil)
		h.env.SignalWorkflow(SignalEnded, LegEnded{Side: SideApp})
	})
	out := h.run()
	require.Equal(t, StateEnded, out.State)
	require.Equal(t, DescAppHangUp, out.Reason)
	require.Equal(t, []string{"DIALING", "CONNECTED", "ENDED"}, h.store.states())
}
