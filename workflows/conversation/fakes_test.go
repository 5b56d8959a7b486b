package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/routing"
)

// t0 is when every test conversation starts (a Monday, 10:00 UTC). It lies
// ahead of the wall clock on purpose: the test environment times a local
// activity's retries on its own clock but checks the attempt's deadline on
// the wall clock, so a test clock behind the wall clock fails every retry.
var t0 = time.Date(2036, 11, 24, 10, 0, 0, 0, time.UTC)

// logMsg is one record of the fake message log.
type logMsg struct {
	Seq       int64
	ToVisitor bool
	Sender    string
	Control   string
	Content   string
	// Phase is the conversation's phase when the record was written, as the
	// real log stamps it: the robot answers only robot-phase questions.
	Phase string
	At    time.Time
}

// applied is one transition the fake log was asked to write, with what it answered.
type applied struct {
	activities.Transition
	Applied bool
	At      time.Time
}

// fakeLog is an in-memory message log with the semantics of
// internal/chatlog's Apply (numbered, idempotent, FromPhases and IdleSince
// preconditions) and of the activities the workflow calls: Load, Apply and
// Robot (local activities), Router.Notify and Pusher.Deliver. Activities
// run on goroutines of their own, so everything is under mu.
type fakeLog struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu sync.Mutex
	// The conversation row.
	id           string
	settings     Channel
	phase        string
	transition   int64
	startedAt    time.Time
	lastActivity time.Time
	queuedAt     *time.Time
	agentID      string
	agentName    string
	agentJoined  bool
	rated        bool
	closeReason  string
	skillGroup   int64
	msgs         []logMsg
	events       []activities.AgentEvent
	transitions  []applied
	loads        int
	// known holds the questions the robot can answer, by content.
	known map[string]bool
	// robotCalls are the Robot turns the workflow asked for, in order.
	robotCalls []activities.RobotTurn
	// notifyFails makes that many Notify calls fail before any succeeds;
	// notifyDownUntil makes every call fail until then (test clock).
	notifyFails     int
	notifyDownUntil time.Time
	// notices are the routing requests delivered, in order; notifyAttempts counts every call.
	notices        []activities.RouteNotice
	notifyAttempts int
	// Deliveries: the requests started, the task queues they ran on, and how many returned.
	delivers       []activities.DeliverRequest
	deliverQueues  []string
	deliveredCount int
	// deliverHold is how long a delivery keeps going after the close (wall
	// time), cancelHold how long it takes to stop when cancelled.
	deliverHold, cancelHold time.Duration
}

// newFakeLog opens a conversation in phase with the channel settings ch,
// with its CONNECT and greeting as seq 1 and 2, as the API writes them.
func newFakeLog(t *testing.T, phase Phase, ch Channel) *fakeLog {
	f := &fakeLog{
		t: t, id: "c1", settings: ch, phase: string(phase), startedAt: t0, lastActivity: t0,
		skillGroup: ch.SkillGroupID, known: map[string]bool{},
	}
	f.msgs = append(f.msgs,
		logMsg{Seq: 1, Sender: string(SourceCustomer), Control: string(ControlConnect), Phase: f.phase, At: t0},
		logMsg{Seq: 2, ToVisitor: true, Sender: string(SourceRobot), Control: string(ControlChat), Content: ch.RobotGreeting, Phase: f.phase, At: t0},
	)
	if phase == PhaseQueued {
		at := t0
		f.queuedAt = &at
	}
	return f
}

// register installs the fakes under the names the workflow calls them by.
func (f *fakeLog) register(env *testsuite.TestWorkflowEnvironment) {
	f.env = env
	env.RegisterActivityWithOptions(f.Load, activity.RegisterOptions{Name: "Load"})
	env.RegisterActivityWithOptions(f.Apply, activity.RegisterOptions{Name: "Apply"})
	env.RegisterActivityWithOptions(f.Robot, activity.RegisterOptions{Name: "Robot"})
	env.RegisterActivityWithOptions(f.Notify, activity.RegisterOptions{Name: "Notify"})
	env.RegisterActivityWithOptions(f.Deliver, activity.RegisterOptions{Name: "Deliver"})
}

func (f *fakeLog) now() time.Time { return f.env.Now().UTC() }

// Load answers the row as activities.Conversations.Load does.
func (f *fakeLog) Load(_ context.Context, id string) (activities.Loaded, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	if id != f.id {
		return activities.Loaded{}, errors.New("no such conversation " + id)
	}
	settings, err := json.Marshal(f.settings)
	if err != nil {
		return activities.Loaded{}, err
	}
	return activities.Loaded{
		TenantID: f.settings.TenantID, UserID: "visitor-1", UserName: "Ann", Phase: f.phase,
		SkillGroupID: f.skillGroup, StartedAt: f.startedAt, QueuedAt: f.queuedAt, LastActivity: f.lastActivity,
		Transition: f.transition, AgentID: f.agentID, AgentName: f.agentName, AgentJoined: f.agentJoined,
		Rated: f.rated, Settings: string(settings),
	}, nil
}

// Apply writes a transition with chatlog.Log.Apply's rules.
func (f *fakeLog) Apply(_ context.Context, t activities.Transition) (activities.Applied, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	ok := f.apply(t, now)
	f.transitions = append(f.transitions, applied{Transition: t, Applied: ok, At: now})
	return activities.Applied{Applied: ok, Phase: f.phase, LastSeq: f.lastSeq(), LastActivity: f.lastActivity}, nil
}

func (f *fakeLog) apply(t activities.Transition, now time.Time) bool {
	if t.ConversationID != f.id {
		f.t.Errorf("transition for conversation %q, want %q", t.ConversationID, f.id)
	}
	if t.Number > 0 && f.transition >= t.Number {
		return true
	}
	if len(t.FromPhases) > 0 && !slices.Contains(t.FromPhases, f.phase) {
		return false
	}
	if t.IdleSince != nil && f.lastActivity.After(*t.IdleSince) {
		return false
	}
	var after []activities.LogMessage
	for _, m := range t.Messages {
		if m.Closing {
			after = append(after, m)
			continue
		}
		f.write(m, now)
	}
	s := t.Set
	if s.AgentID != nil {
		f.agentID = *s.AgentID
	}
	if s.AgentName != nil {
		f.agentName = *s.AgentName
	}
	if s.SkillGroupID != nil {
		f.skillGroup = *s.SkillGroupID
	}
	if s.QueuedAt != nil {
		f.queuedAt = s.QueuedAt
	}
	if s.ClearQueued {
		f.queuedAt = nil
	}
	if s.CloseReason != nil {
		f.closeReason = *s.CloseReason
	}
	if s.AgentJoined != nil {
		f.agentJoined = *s.AgentJoined
	}
	if t.Phase != "" && t.Phase != f.phase {
		// Like the real log, a new phase starts its own idle clock.
		f.phase, f.lastActivity = t.Phase, now
	}
	for _, m := range after {
		f.write(m, now)
	}
	f.transition = max(f.transition, t.Number)
	f.events = append(f.events, t.Events...)
	return true
}

// write appends a record; like the real log, a transition's notices do not
// count as activity.
func (f *fakeLog) write(m activities.LogMessage, at time.Time) {
	f.msgs = append(f.msgs, logMsg{
		Seq: f.lastSeq() + 1, ToVisitor: m.ToVisitor, Sender: m.SenderType, Control: m.ControlType,
		Content: m.Content, Phase: f.phase, At: at,
	})
}

func (f *fakeLog) lastSeq() int64 { return int64(len(f.msgs)) }

// Robot answers the first robot-phase question after AfterSeq, as
// activities.Conversations.Robot does: known questions match, others miss,
// and a miss with HandOff hands off without a word.
func (f *fakeLog) Robot(_ context.Context, t activities.RobotTurn) (activities.RobotReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.robotCalls = append(f.robotCalls, t)
	var reply activities.RobotReply
	var question string
	// Records are numbered from 1 in order: seq n is msgs[n-1].
	for _, m := range f.msgs[min(int(t.AfterSeq), len(f.msgs)):] {
		if m.Seq > t.AfterSeq && !m.ToVisitor && m.Control == string(ControlChat) && m.Phase == string(PhaseRobot) {
			reply.QuestionSeq, question = m.Seq, m.Content
			break
		}
	}
	if reply.QuestionSeq == 0 {
		return reply, nil
	}
	reply.Matched = f.known[question]
	text := t.Unsure
	if reply.Matched {
		text = "answer to " + question
	} else if t.HandOff {
		reply.HandedOff = true
		return reply, nil
	}
	if f.phase == string(PhaseRobot) {
		now := f.now()
		f.msgs = append(f.msgs, logMsg{Seq: f.lastSeq() + 1, ToVisitor: true, Sender: string(SourceRobot),
			Control: string(ControlChat), Content: text, Phase: f.phase, At: now})
		f.lastActivity = now
	}
	return reply, nil
}

// Notify is the routing request activity; the first notifyFails calls fail.
func (f *fakeLog) Notify(_ context.Context, n activities.RouteNotice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notifyAttempts++
	if f.now().Before(f.notifyDownUntil) {
		return errors.New("routing unavailable")
	}
	if f.notifyFails > 0 {
		f.notifyFails--
		return errors.New("routing unavailable")
	}
	f.notices = append(f.notices, n)
	return nil
}

// Deliver plays a webhook delivery: it runs until the conversation is
// closed, then keeps going for deliverHold (the last events' retries).
func (f *fakeLog) Deliver(ctx context.Context, r activities.DeliverRequest) error {
	f.mu.Lock()
	f.delivers = append(f.delivers, r)
	f.deliverQueues = append(f.deliverQueues, activity.GetInfo(ctx).TaskQueue)
	f.mu.Unlock()
	for {
		f.mu.Lock()
		closed := f.phase == string(PhaseClosed)
		f.mu.Unlock()
		if closed {
			break
		}
		select {
		case <-ctx.Done():
			time.Sleep(f.cancelHold)
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(f.deliverHold):
	}
	f.mu.Lock()
	f.deliveredCount++
	f.mu.Unlock()
	return nil
}

// visitorWrites is the API writing a visitor's chat line: a record stamped
// with the current phase, and activity.
func (f *fakeLog) visitorWrites(content string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	f.msgs = append(f.msgs, logMsg{Seq: f.lastSeq() + 1, Sender: string(SourceCustomer), Control: string(ControlChat),
		Content: content, Phase: f.phase, At: now})
	f.lastActivity = now
	return f.lastSeq()
}

// agentWrites is the API writing the serving agent's reply: the workflow
// never hears of it, only the log does.
func (f *fakeLog) agentWrites(content string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	f.msgs = append(f.msgs, logMsg{Seq: f.lastSeq() + 1, ToVisitor: true, Sender: string(SourceAgent),
		Control: string(ControlChat), Content: content, Phase: f.phase, At: now})
	f.lastActivity = now
}

// rate is the API storing the visitor's rating.
func (f *fakeLog) rate() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rated = true
}

// appliedPhases lists the phase of every transition that applied and changed it.
func (f *fakeLog) appliedPhases() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, t := range f.transitions {
		if t.Applied && t.Phase != "" {
			out = append(out, t.Phase)
		}
	}
	return out
}

// lastApplied is the last transition that applied.
func (f *fakeLog) lastApplied() applied {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.transitions) - 1; i >= 0; i-- {
		if f.transitions[i].Applied {
			return f.transitions[i]
		}
	}
	f.t.Fatal("no transition applied")
	return applied{}
}

// contents lists the texts of the records from a sender.
func (f *fakeLog) contents(sender SourceType) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.msgs {
		if m.Sender == string(sender) {
			out = append(out, m.Content)
		}
	}
	return out
}

// enqueues and leaves are the routing requests delivered, by kind.
func (f *fakeLog) enqueues() []routing.Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []routing.Entry
	for _, n := range f.notices {
		if n.Enqueue != nil {
			out = append(out, *n.Enqueue)
		}
	}
	return out
}

func (f *fakeLog) leaves() []routing.Leave {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []routing.Leave
	for _, n := range f.notices {
		if n.Leave != nil {
			out = append(out, *n.Leave)
		}
	}
	return out
}

// quietLogger keeps the SDK's debug lines and the expected activity
// failures out of the test output; CCFLOW_TEST_LOG=1 shows them.
func quietLogger() log.Logger {
	level := slog.LevelError + 1
	if os.Getenv("CCFLOW_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
}

// harness runs the conversation workflow against a fakeLog.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	log *fakeLog
}

// channel is the test channel: robot on, agents always at work, no timeouts.
func channel() Channel {
	return Channel{
		ID: "ch1", TenantID: "demo", RobotEnabled: true, RobotNickname: "小C", RobotGreeting: "欢迎",
		RobotMaxMisses: 3, Locale: "zh", SkillGroupID: 11, WorkingHours: "always", TimeZone: "Asia/Shanghai",
		BusinessID: 1,
	}
}

func newHarness(t *testing.T, phase Phase, ch Channel) *harness {
	return harnessFor(t, newFakeLog(t, phase, ch), t0)
}

// harnessFor runs a workflow against an existing log, starting at start
// (a later run of the same conversation).
func harnessFor(t *testing.T, log *fakeLog, start time.Time) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(quietLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(ConversationWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	log.register(env)
	return &harness{t: t, env: env, log: log}
}

// at runs f at d after the start (mock time).
func (h *harness) at(d time.Duration, f func()) { h.env.RegisterDelayedCallback(f, d) }

// ask writes a visitor's question to the log and signals it, as the API does.
func (h *harness) ask(question string) {
	seq := h.log.visitorWrites(question)
	h.env.SignalWorkflow(SignalRobotQuestion, RobotQuestion{Seq: seq})
}

// outcome is what an update came to.
type outcome struct {
	done     bool
	rejected error
	err      error
	result   any
}

// update sends an update and records its outcome in the returned value.
func (h *harness) update(name string, arg any) *outcome {
	o := &outcome{}
	h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { o.done, o.rejected = true, err },
		OnComplete: func(res any, err error) {
			o.done, o.result, o.err = true, res, err
		},
	}, arg)
	return o
}

// command is the visitor's TRANS2AGENT or DISCONNECT.
func (h *harness) command(ct ControlType, key string) *outcome {
	return h.update(UpdateCommand, CommandRequest{ControlType: ct, DedupeKey: key})
}

// sendResult is an update's answer, which must have completed.
func (o *outcome) sendResult(t *testing.T) SendResult {
	t.Helper()
	require.True(t, o.done, "update not finished")
	require.NoError(t, o.rejected)
	require.NoError(t, o.err)
	return o.result.(SendResult)
}

// refusal is the spec code and text of an update the validator rejected.
func (o *outcome) refusal(t *testing.T) SendResult {
	t.Helper()
	require.True(t, o.done, "update not finished")
	require.Error(t, o.rejected, "update was not rejected")
	res, ok := AsRefusal(o.rejected)
	require.True(t, ok, "rejection %v is not a refusal", o.rejected)
	return res
}

// assign is routing assigning the conversation's latest queue entry to an agent.
func (h *harness) assign(agentID string) {
	e := h.log.enqueues()
	require.NotEmpty(h.t, e, "routing was never asked to queue the conversation")
	last := e[len(e)-1]
	h.env.SignalWorkflow(routing.SignalAssigned, routing.Assignment{
		ConversationID: last.ConversationID, Ticket: last.Ticket, AgentID: agentID, AgentName: "Agent " + agentID,
	})
}

// snapshot queries the workflow's state.
func (h *harness) snapshot() Snapshot {
	v, err := h.env.QueryWorkflow(QueryState)
	require.NoError(h.t, err)
	var s Snapshot
	require.NoError(h.t, v.Get(&s))
	return s
}

// phaseAt checks the workflow's phase at d.
func (h *harness) phaseAt(d time.Duration, want Phase) {
	h.at(d, func() { require.Equal(h.t, want, h.snapshot().Phase, "phase at %v", d) })
}

// start runs a fresh conversation to its end, which must be a clean completion.
func (h *harness) start() { h.startWith(Start{ConversationID: h.log.id}) }

// startWith is start with the given input (an older revision's, say).
func (h *harness) startWith(in Start) {
	h.t.Helper()
	h.env.ExecuteWorkflow(WorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
}

// continued runs until the workflow continues as new and returns the input of the next run.
func (h *harness) continued(in Start) Start {
	h.t.Helper()
	h.env.ExecuteWorkflow(WorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	return nextRun(h.t, h.env.GetWorkflowError())
}

// nextRun decodes the input a continue-as-new hands its next run.
func nextRun(t *testing.T, err error) Start {
	t.Helper()
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &can)
	require.Equal(t, WorkflowName, can.WorkflowType.Name)
	var next Start
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.State)
	return next
}
