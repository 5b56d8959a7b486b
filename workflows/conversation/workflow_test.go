package conversation

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// fakeStore records what the workflow persists, and can fail a number of times first.
type fakeStore struct {
	mu       sync.Mutex
	failures int
	batches  []activities.PersistBatch
}

func (f *fakeStore) Persist(_ context.Context, b activities.PersistBatch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return errors.New("database unavailable")
	}
	f.batches = append(f.batches, b)
	return nil
}

func (f *fakeStore) messages() []activities.MessageRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []activities.MessageRecord
	for _, b := range f.batches {
		out = append(out, b.Messages...)
	}
	return out
}

func (f *fakeStore) contents() []string {
	var out []string
	for _, m := range f.messages() {
		out = append(out, m.SenderType+":"+m.Content)
	}
	return out
}

func (f *fakeStore) lastConversation() *activities.ConversationRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last *activities.ConversationRecord
	for _, b := range f.batches {
		for i := range b.Conversations {
			last = &b.Conversations[i]
		}
	}
	return last
}

// conversations returns the last written state of every conversation row, by id.
func (f *fakeStore) conversations() map[string]activities.ConversationRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]activities.ConversationRecord{}
	for _, b := range f.batches {
		for _, c := range b.Conversations {
			out[c.ID] = c
		}
	}
	return out
}

func (f *fakeStore) rating() *activities.RatingRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.batches {
		if b.Rating != nil {
			return b.Rating
		}
	}
	return nil
}

// fakeRobot knows one answer: questions mentioning 版本.
func fakeRobot(_ context.Context, q activities.RobotQuestion) (activities.RobotAnswer, error) {
	if strings.Contains(q.Text, "版本") {
		return activities.RobotAnswer{Matched: true, Answer: "当前版本是 2.0", SimQuestions: []string{"如何升级版本"}}, nil
	}
	return activities.RobotAnswer{SimQuestions: []string{"版本"}}, nil
}

func demoChannel() Channel {
	return Channel{
		ID: "1011577355744904195", TenantID: "demo", RobotEnabled: true, RobotNickname: "小C",
		RobotGreeting: "欢迎欢迎，热烈欢迎", RobotMaxMisses: 3, Locale: "zh", SkillGroupID: 11,
		WorkingHours: "always", TimeZone: "Asia/Shanghai", MaxQueueWait: 5 * time.Minute,
		RobotIdle: 10 * time.Minute, AgentIdle: 15 * time.Minute, SatisfactionWait: 2 * time.Minute,
	}
}

type harness struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	store  *fakeStore
	router *fakeRouter
	desk   *fakeDesk
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	store := &fakeStore{}
	// The workflow calls (*activities.Store).Persist and (*activities.Robot).Answer by method name.
	env.RegisterActivityWithOptions(store.Persist, activity.RegisterOptions{Name: "Persist"})
	env.RegisterActivityWithOptions(fakeRobot, activity.RegisterOptions{Name: "Answer"})
	router := &fakeRouter{}
	env.RegisterActivityWithOptions(router.Notify, activity.RegisterOptions{Name: "Notify"})
	desk := &fakeDesk{}
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", mock.Anything, mock.Anything).Return(desk.signal)
	// A Monday 10:00 in Shanghai.
	env.SetStartTime(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	return &harness{t: t, env: env, store: store, router: router, desk: desk}
}

// send runs a send update at the given offset and checks its answer.
func (h *harness) send(at time.Duration, r SendRequest, want SendResult) {
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateSend, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) {
				got, ok := AsRefusal(err)
				require.True(h.t, ok, "send %s rejected with %v", r.ControlType, err)
				require.Equal(h.t, want, got, "send %s", r.ControlType)
			},
			OnComplete: func(res any, err error) {
				require.NoError(h.t, err)
				require.Equal(h.t, want, res, "send %s", r.ControlType)
			},
		}, r)
	}, at)
}

func (h *harness) chat(at time.Duration, text string, want SendResult) {
	h.send(at, SendRequest{ControlType: ControlChat, MediaType: "TEXT", Content: text}, want)
}

func (h *harness) control(at time.Duration, ct ControlType, want SendResult) {
	h.send(at, SendRequest{ControlType: ct, MediaType: "TEXT"}, want)
}

func (h *harness) poll(at time.Duration, r PollRequest, check func(PollResult)) {
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdatePoll, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { require.NoError(h.t, err) },
			OnComplete: func(res any, err error) {
				require.NoError(h.t, err)
				check(res.(PollResult))
			},
		}, r)
	}, at)
}

func (h *harness) state(at time.Duration, check func(Snapshot)) {
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryState)
		require.NoError(h.t, err)
		var s Snapshot
		require.NoError(h.t, v.Get(&s))
		check(s)
	}, at)
}

func (h *harness) run(ch Channel) {
	h.env.ExecuteWorkflow(WorkflowName, State{Channel: ch, Visitor: Visitor{UserID: "u1", UserName: "Ann"}})
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
}

func ok(desc string) SendResult { return SendResult{CodeOK, desc} }

func contents(msgs []Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Content
	}
	return out
}

func TestRobotConversation(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlConnect, ok(DescConnectRobot))
	h.chat(2*time.Second, "版本是多少", ok(DescRobotChat))
	h.poll(3*time.Second, PollRequest{}, func(r PollResult) {
		require.Equal(t, []string{"欢迎欢迎，热烈欢迎", "当前版本是 2.0"}, contents(r.Messages))
		require.Equal(t, []string{"如何升级版本"}, r.Messages[1].SimQuestions)
		require.Equal(t, 1, r.Messages[1].InterIdx)
		require.Equal(t, r.Messages[1].Seq, r.Cursor)
	})
	h.poll(4*time.Second, PollRequest{}, func(r PollResult) {
		require.Empty(t, r.Messages, "a cursor-less poll delivers each message once")
	})
	h.poll(5*time.Second, PollRequest{HasCursor: true, Cursor: 0}, func(r PollResult) {
		require.Len(t, r.Messages, 2, "a cursor resumes exactly")
	})
	h.control(6*time.Second, ControlInput, SendResult{CodeFailed, DescInputRobot})
	h.control(7*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	h.control(8*time.Second, ControlDisconnect, SendResult{CodeFailed, DescDisconnectFailed})
	h.run(demoChannel())

	require.Equal(t, []string{"CUSTOMER:", "ROBOT:欢迎欢迎，热烈欢迎", "CUSTOMER:版本是多少", "ROBOT:当前版本是 2.0",
		"CUSTOMER:", "SYSTEM:会话已结束，感谢您的咨询。"}, h.store.contents())
	for i, m := range h.store.messages() {
		require.Equal(t, int64(i+1), m.Seq)
	}
	conv := h.store.lastConversation()
	require.Equal(t, string(PhaseClosed), conv.Phase)
	require.Equal(t, "customer", conv.CloseReason)
	require.NotNil(t, conv.ClosedAt)
}

func TestRobotHandsOverAfterMisses(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	for i := 1; i <= 3; i++ {
		h.chat(time.Duration(i)*time.Second, "听不懂的问题", ok(DescRobotChat))
	}
	h.state(5*time.Second, func(s Snapshot) { require.Equal(t, PhaseQueued, s.Phase) })
	h.control(6*time.Second, ControlDisconnect, ok(DescDisconnect))
	h.run(demoChannel())
	got := h.store.contents()
	require.Contains(t, got, "ROBOT:"+texts["zh"][textRobotUnsure])
	require.Contains(t, got, "ROBOT:"+texts["zh"][textRobotHandoff])
	require.Contains(t, got, "SYSTEM:"+texts["zh"][textQueued])
	require.Equal(t, "customer", h.store.lastConversation().CloseReason, "abandoned while queued")
}

func TestTransferAgentAndRating(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.control(2*time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.state(3*time.Second, func(s Snapshot) {
		require.Equal(t, PhaseQueued, s.Phase)
		require.NotNil(t, s.QueuedAt)
	})
	h.control(4*time.Second, ControlInput, ok(DescUserMessage))
	h.send(5*time.Second, SendRequest{ControlType: ControlChat, MediaType: "TEXT", Content: "在吗"}, ok(DescUserMessage))
	h.assign(6*time.Second, "agent1", "Amy")
	h.control(7*time.Second, ControlTrans2Agent, SendResult{CodeFailed, DescTransferIsAgent})
	h.chat(8*time.Second, "你好", ok(DescUserMessage))
	h.agentUpdate(9*time.Second, UpdateAgentClose, AgentCloseRequest{AgentID: "agent1"}, nil)
	h.state(10*time.Second, func(s Snapshot) { require.Equal(t, PhaseSatisfaction, s.Phase) })
	h.chat(11*time.Second, "还在吗", SendResult{CodeFailed, DescUserMessageFailed})
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateRate, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { require.NoError(t, err) },
			OnComplete: func(res any, err error) {
				require.NoError(t, err)
				require.Equal(t, ok(DescSatisfactionOK), res)
			},
		}, RateRequest{Evaluation: 5, Comment: "满意"})
	}, 12*time.Second)
	h.run(demoChannel())

	got := h.store.contents()
	require.Contains(t, got, "SYSTEM:已接通座席。")
	require.Contains(t, got, "SYSTEM:"+texts["zh"][textRateAsk])
	conv := h.store.lastConversation()
	require.Equal(t, string(PhaseClosed), conv.Phase)
	require.Equal(t, "agent", conv.CloseReason)
	require.Equal(t, "agent1", conv.AgentID)
	require.NotNil(t, conv.AssignedAt)
	r := h.store.rating()
	require.NotNil(t, r)
	require.Equal(t, 5, r.Evaluation)
	require.Equal(t, "agent1", r.AgentID)
}

func TestRatingRefusedWithoutAgent(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateRate, "", &testsuite.TestUpdateCallback{
			OnAccept: func() { t.Error("a rating without an agent must be refused") },
			OnReject: func(err error) {
				got, ok := AsRefusal(err)
				require.True(t, ok)
				require.Equal(t, SendResult{CodeFailed, DescSatisfactionNoCall}, got)
			},
			OnComplete: func(any, error) {},
		}, RateRequest{Evaluation: 5})
	}, time.Second)
	h.control(2*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	h.run(demoChannel())
	require.Nil(t, h.store.rating())
}

func TestOutsideWorkingHours(t *testing.T) {
	h := newHarness(t)
	ch := demoChannel()
	ch.WorkingHours = "mon-fri 14:00-18:00"
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, SendResult{CodeNotWorkingHrs, DescNotWorkingHours})
	h.state(2*time.Second, func(s Snapshot) { require.Equal(t, PhaseRobot, s.Phase, "the robot stays") })
	h.control(3*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	h.run(ch)
}

func TestRobotOffStartsQueuedOrRefusesOutsideHours(t *testing.T) {
	ch := demoChannel()
	ch.RobotEnabled = false
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectAgent))
	h.state(time.Second, func(s Snapshot) { require.Equal(t, PhaseQueued, s.Phase) })
	h.control(2*time.Second, ControlDisconnect, ok(DescDisconnect))
	h.run(ch)

	ch.WorkingHours = "sat 09:00-10:00"
	h = newHarness(t)
	h.control(0, ControlConnect, SendResult{CodeNotWorkingHrs, DescNotWorkingHours})
	h.run(ch)
	require.Equal(t, "outside-working-hours", h.store.lastConversation().CloseReason)
}

func TestQueueTimeoutOffersLeaveMessage(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.state(5*time.Minute+2*time.Second, func(s Snapshot) { require.Equal(t, PhaseRobot, s.Phase, "back to the robot") })
	h.run(demoChannel())
	got := h.store.contents()
	require.Contains(t, got, "SYSTEM:"+texts["zh"][textQueueTimeout])
	require.Equal(t, "idle", h.store.lastConversation().CloseReason, "then the robot phase idles out")
}

func TestIdleTimeouts(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.run(demoChannel())
	conv := h.store.lastConversation()
	require.Equal(t, "idle", conv.CloseReason)
	require.Equal(t, 10*time.Minute, conv.EndedAt.Sub(conv.StartedAt).Round(time.Second))

	// An agent conversation left idle asks for a rating, which itself times out.
	h = newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlTrans2Agent, ok(DescTransferOK))
	h.assign(2*time.Second, "agent1", "Amy")
	h.run(demoChannel())
	conv = h.store.lastConversation()
	require.Equal(t, "idle", conv.CloseReason)
	require.Equal(t, 2*time.Second+15*time.Minute, conv.EndedAt.Sub(conv.StartedAt).Round(time.Second))
	require.Equal(t, 2*time.Second+15*time.Minute+2*time.Minute, conv.ClosedAt.Sub(conv.StartedAt).Round(time.Second))
}

func TestDuplicateSendIsAppliedOnce(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	chat := SendRequest{DedupeKey: "m-1", ControlType: ControlChat, MediaType: "TEXT", Content: "版本"}
	h.send(time.Second, chat, ok(DescRobotChat))
	h.send(2*time.Second, chat, ok(DescRobotChat))
	h.control(3*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	h.run(demoChannel())
	count := 0
	for _, c := range h.store.contents() {
		if c == "CUSTOMER:版本" {
			count++
		}
	}
	require.Equal(t, 1, count)
}

func TestLongPollWaitsForTheNextMessage(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.poll(time.Second, PollRequest{}, func(r PollResult) { require.Len(t, r.Messages, 1) })
	h.poll(2*time.Second, PollRequest{Wait: 20 * time.Second}, func(r PollResult) {
		require.Equal(t, []string{"当前版本是 2.0"}, contents(r.Messages), "the long-poll returns when the answer arrives")
	})
	h.chat(5*time.Second, "版本", ok(DescRobotChat))
	h.poll(30*time.Second, PollRequest{Wait: 10 * time.Second}, func(r PollResult) {
		require.Empty(t, r.Messages, "and times out empty")
	})
	h.control(time.Minute, ControlDisconnect, ok(DescDisconnectRobot))
	h.run(demoChannel())
}

func TestContinueAsNewKeepsTheConversation(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.chat(time.Second, "版本", ok(DescRobotChat))
	h.poll(2*time.Second, PollRequest{}, func(r PollResult) { require.Len(t, r.Messages, 2) })
	h.chat(3*time.Second, "还有", ok(DescRobotChat))
	h.env.ExecuteWorkflow(WorkflowName, State{Channel: demoChannel(), Visitor: Visitor{UserID: "u1"}, ContinueAsNewAfter: 4})
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)

	// The next run starts from the carried state: numbering, delivery mark and pending records go on.
	var next State
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, PhaseRobot, next.Phase)
	require.True(t, next.Greeted)
	require.Equal(t, int64(4), next.DeliveredSeq, "greeting (2) and answer (4) were delivered")
	require.GreaterOrEqual(t, next.NextSeq, int64(5))

	h2 := newHarness(t)
	h2.chat(0, "版本", ok(DescRobotChat))
	h2.poll(time.Second, PollRequest{}, func(r PollResult) {
		for _, m := range r.Messages {
			require.Greater(t, m.Seq, int64(4), "nothing delivered twice across runs")
		}
		require.NotEmpty(t, r.Messages)
	})
	h2.control(2*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	next.ContinueAsNewAfter = 0
	h2.env.ExecuteWorkflow(WorkflowName, next)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError())
	require.Equal(t, next.ConversationID, h2.store.lastConversation().ID, "the same conversation row")
}

func TestDatabaseOutageDelaysRecordsAndLosesNothing(t *testing.T) {
	h := newHarness(t)
	h.store.failures = 5
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.poll(100*time.Millisecond, PollRequest{}, func(r PollResult) {
		require.Len(t, r.Messages, 1, "the conversation answers while the database is down")
		require.Empty(t, h.store.messages())
	})
	h.chat(time.Second, "还在吗", ok(DescRobotChat))
	h.control(2*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	h.run(demoChannel())
	require.Len(t, h.store.messages(), 6)
	require.Equal(t, string(PhaseClosed), h.store.lastConversation().Phase)
}

func TestConnectAfterCloseOpensANewConversation(t *testing.T) {
	h := newHarness(t)
	h.control(0, ControlConnect, ok(DescConnectRobot))
	h.control(time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	// Within the closing grace period the same run is still there.
	h.control(2*time.Second, ControlConnect, ok(DescConnectRobot))
	h.poll(3*time.Second, PollRequest{}, func(r PollResult) {
		got := contents(r.Messages)
		require.Equal(t, "欢迎欢迎，热烈欢迎", got[len(got)-1], "greeted again")
	})
	h.state(4*time.Second, func(s Snapshot) { require.Equal(t, PhaseRobot, s.Phase) })
	h.control(5*time.Second, ControlDisconnect, ok(DescDisconnectRobot))
	h.run(demoChannel())

	rows := h.store.conversations()
	require.Len(t, rows, 2, "two conversations, two rows")
	for _, r := range rows {
		require.Equal(t, string(PhaseClosed), r.Phase, "both closed and written: %+v", r)
		require.Equal(t, "customer", r.CloseReason)
	}
}
