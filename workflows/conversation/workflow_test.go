package conversation

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
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

func (f *fakeStore) lastConversation() *activities.ConversationRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last *activities.ConversationRecord
	for _, b := range f.batches {
		if b.Conversation != nil {
			last = b.Conversation
		}
	}
	return last
}

func demoChannel() Channel {
	return Channel{
		ID: "1011577355744904195", TenantID: "demo", RobotEnabled: true, RobotNickname: "小C",
		RobotGreeting: "欢迎欢迎，热烈欢迎", Locale: "zh", SkillGroupID: 11,
		RobotIdle: 10 * time.Minute, AgentIdle: 15 * time.Minute, SatisfactionWait: 2 * time.Minute,
	}
}

func newEnv(t *testing.T, store *fakeStore) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	// The workflow calls (*activities.Store).Persist, registered under its method name.
	env.RegisterActivityWithOptions(store.Persist, activity.RegisterOptions{Name: "Persist"})
	t.Cleanup(func() { env.AssertExpectations(t) })
	return env
}

func send(env *testsuite.TestWorkflowEnvironment, after time.Duration, s SendSignal) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalSend, s) }, after)
}

func queryMessages(t *testing.T, env *testsuite.TestWorkflowEnvironment, after int64) []Message {
	v, err := env.QueryWorkflow(QueryMessages, MessagesQuery{AfterSeq: after})
	require.NoError(t, err)
	var msgs []Message
	require.NoError(t, v.Get(&msgs))
	return msgs
}

func TestConnectGreetsAndDisconnectCloses(t *testing.T) {
	store := &fakeStore{}
	env := newEnv(t, store)
	send(env, 0, SendSignal{ControlType: ControlConnect, MediaType: "TEXT"})
	env.RegisterDelayedCallback(func() {
		msgs := queryMessages(t, env, 0)
		require.Len(t, msgs, 1)
		require.Equal(t, "欢迎欢迎，热烈欢迎", msgs[0].Content)
		require.Equal(t, SourceRobot, msgs[0].SourceType)
		require.Equal(t, "小C", msgs[0].SenderNickname)
		require.Empty(t, queryMessages(t, env, msgs[0].Seq), "nothing after the greeting")
	}, time.Second)
	send(env, 2*time.Second, SendSignal{ControlType: ControlChat, MediaType: "TEXT", Content: "你好"})
	send(env, 3*time.Second, SendSignal{ControlType: ControlDisconnect, MediaType: "TEXT"})
	env.ExecuteWorkflow(WorkflowName, State{Channel: demoChannel(), Visitor: Visitor{UserID: "u1", UserName: "Ann"}})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	msgs := store.messages()
	require.Len(t, msgs, 4, "connect, greeting, chat and disconnect are all recorded")
	require.Equal(t, []string{"CONNECT", "CHAT", "CHAT", "DISCONNECT"},
		[]string{msgs[0].ControlType, msgs[1].ControlType, msgs[2].ControlType, msgs[3].ControlType})
	require.True(t, msgs[1].ToVisitor)
	require.Equal(t, "你好", msgs[2].Content)
	for i, m := range msgs {
		require.Equal(t, int64(i+1), m.Seq)
	}
	conv := store.lastConversation()
	require.Equal(t, string(PhaseClosed), conv.Phase)
	require.Equal(t, "customer", conv.CloseReason)
}

func TestDuplicateSendIsAppliedOnce(t *testing.T) {
	store := &fakeStore{}
	env := newEnv(t, store)
	send(env, 0, SendSignal{ControlType: ControlConnect, MediaType: "TEXT"})
	chat := SendSignal{DedupeKey: "m-1", ControlType: ControlChat, MediaType: "TEXT", Content: "hi"}
	send(env, time.Second, chat)
	send(env, 2*time.Second, chat)
	send(env, 3*time.Second, SendSignal{ControlType: ControlDisconnect, MediaType: "TEXT"})
	env.ExecuteWorkflow(WorkflowName, State{Channel: demoChannel(), Visitor: Visitor{UserID: "u1"}})

	require.NoError(t, env.GetWorkflowError())
	count := 0
	for _, m := range store.messages() {
		if m.Content == "hi" {
			count++
		}
	}
	require.Equal(t, 1, count)
}

func TestIdleRobotConversationCloses(t *testing.T) {
	store := &fakeStore{}
	env := newEnv(t, store)
	send(env, 0, SendSignal{ControlType: ControlConnect, MediaType: "TEXT"})
	env.ExecuteWorkflow(WorkflowName, State{Channel: demoChannel(), Visitor: Visitor{UserID: "u1"}})

	require.NoError(t, env.GetWorkflowError())
	conv := store.lastConversation()
	require.Equal(t, string(PhaseClosed), conv.Phase)
	require.Equal(t, "idle", conv.CloseReason)
	require.Equal(t, 10*time.Minute, conv.EndedAt.Sub(conv.StartedAt).Round(time.Second))
}

func TestDatabaseOutageDelaysRecordsAndLosesNothing(t *testing.T) {
	store := &fakeStore{failures: 5}
	env := newEnv(t, store)
	send(env, 0, SendSignal{ControlType: ControlConnect, MediaType: "TEXT"})
	env.RegisterDelayedCallback(func() {
		// The conversation answers while the database is down.
		require.Len(t, queryMessages(t, env, 0), 1)
		require.Empty(t, store.messages())
	}, 100*time.Millisecond)
	send(env, time.Second, SendSignal{ControlType: ControlChat, MediaType: "TEXT", Content: "still here"})
	send(env, 2*time.Second, SendSignal{ControlType: ControlDisconnect, MediaType: "TEXT"})
	env.ExecuteWorkflow(WorkflowName, State{Channel: demoChannel(), Visitor: Visitor{UserID: "u1"}})

	require.NoError(t, env.GetWorkflowError())
	require.Len(t, store.messages(), 4)
	require.Equal(t, string(PhaseClosed), store.lastConversation().Phase)
}
