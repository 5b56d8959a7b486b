package chatlog_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// recorder is a notifier that remembers what it was told.
type recorder struct {
	mu   sync.Mutex
	keys []string
}

func (r *recorder) Publish(keys ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, keys...)
}

func open(t *testing.T, l *chatlog.Log, id, user, phase string) models.Conversation {
	t.Helper()
	c, created, err := l.Open(context.Background(), chatlog.NewConversation{
		ID: id, WorkflowID: "conv:" + id, TenantID: "demo", ChannelConfigID: "ch", UserID: user, Phase: phase,
		Settings: "{}", Messages: []chatlog.Message{{SenderType: "CUSTOMER", ControlType: "CONNECT", MediaType: "TEXT"},
			{ToVisitor: true, SenderType: "ROBOT", ControlType: "CHAT", MediaType: "TEXT", Content: "hello"}},
	})
	require.NoError(t, err)
	require.True(t, created)
	return c
}

func chat(conv, text, key string) chatlog.AppendRequest {
	return chatlog.AppendRequest{
		ConversationID: conv, Phases: []string{chatlog.PhaseRobot, chatlog.PhaseQueued, chatlog.PhaseAgent}, Touch: true, TellAgent: true,
		Message: chatlog.Message{SenderType: "CUSTOMER", ControlType: "CHAT", MediaType: "TEXT", Content: text, ClientKey: key},
	}
}

func TestOneOpenConversationPerVisitor(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		l := &chatlog.Log{DB: db}
		ctx := context.Background()
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, _, err := l.Open(ctx, chatlog.NewConversation{ID: fmt.Sprintf("c%d", i), TenantID: "demo", ChannelConfigID: "ch", UserID: "u", Phase: chatlog.PhaseRobot, Settings: "{}"})
				require.NoError(t, err)
				ids[i] = c.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			require.Equal(t, ids[0], id, "every CONNECT got the same open conversation")
		}
	})
}

func TestAppendNumbersInOrderAndDedupes(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		pub := &recorder{}
		l := &chatlog.Log{DB: db, Pub: pub}
		ctx := context.Background()
		c := open(t, l, "c1", "u1", chatlog.PhaseRobot)
		require.EqualValues(t, 2, c.LastSeq)

		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.Append(ctx, chat("c1", fmt.Sprint(i), fmt.Sprintf("k%d", i%10)))
				require.NoError(t, err)
			}()
		}
		wg.Wait()
		msgs, err := l.Messages(ctx, "c1", 0, 100)
		require.NoError(t, err)
		require.Len(t, msgs, 12, "CONNECT, greeting, and ten keys applied once each")
		for i, m := range msgs {
			require.EqualValues(t, i+1, m.Seq, "seqs are contiguous")
		}
		again, err := l.Append(ctx, chat("c1", "other text", "k3"))
		require.NoError(t, err)
		require.True(t, again.Duplicate)
		require.Contains(t, pub.keys, chatlog.ConversationKey("c1"))
	})
}

func TestPhaseGatesWritesAndTheCloseRace(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		l := &chatlog.Log{DB: db}
		ctx := context.Background()
		open(t, l, "c2", "u2", chatlog.PhaseAgent)
		agent := "a1"
		res, err := l.Apply(ctx, chatlog.Transition{ConversationID: "c2", Number: 1, Set: chatlog.Fields{AgentID: &agent}})
		require.NoError(t, err)
		require.True(t, res.Applied)

		// Visitors send while the agent closes: every accepted message comes
		// before the close. Half of them carry the conversation as read before
		// the close (the send path's snapshot), which must not let them past it.
		seen, err := l.Get(ctx, "c2")
		require.NoError(t, err)
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := chat("c2", fmt.Sprint(i), "")
				if i%2 == 0 {
					snapshot := seen
					req.Seen = &snapshot
				}
				_, err := l.Append(ctx, req)
				var pe *chatlog.PhaseError
				if err != nil && !errors.As(err, &pe) {
					t.Error(err)
				}
			}()
			if i == 15 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := l.Apply(ctx, chatlog.Transition{ConversationID: "c2", Number: 2, Phase: chatlog.PhaseClosed,
						FromPhases: []string{chatlog.PhaseAgent},
						Messages:   []chatlog.Message{{ToVisitor: true, SenderType: "SYSTEM", ControlType: "CHAT", MediaType: "TEXT", Content: "bye", Closing: true}}})
					require.NoError(t, err)
				}()
			}
		}
		wg.Wait()
		msgs, err := l.Messages(ctx, "c2", 0, 100)
		require.NoError(t, err)
		last := msgs[len(msgs)-1]
		require.True(t, last.Closing, "nothing was accepted after the closing notice")
		require.Equal(t, chatlog.PhaseAgent, msgs[len(msgs)-2].Phase)

		_, err = l.Append(ctx, chat("c2", "late", ""))
		var pe *chatlog.PhaseError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, chatlog.PhaseClosed, pe.Conv.Phase)
		late := chat("c2", "late, as seen before the close", "")
		late.Seen = &seen
		_, err = l.Append(ctx, late)
		require.ErrorAs(t, err, &pe, "a snapshot from before the close does not open it again")
		require.Equal(t, chatlog.PhaseClosed, pe.Conv.Phase)

		// A retried transition applies once.
		again, err := l.Apply(ctx, chatlog.Transition{ConversationID: "c2", Number: 2, Phase: chatlog.PhaseClosed,
			Messages: []chatlog.Message{{ToVisitor: true, SenderType: "SYSTEM", Content: "bye", Closing: true}}})
		require.NoError(t, err)
		require.True(t, again.Applied)
		after, err := l.Messages(ctx, "c2", 0, 100)
		require.NoError(t, err)
		require.Len(t, after, len(msgs))

		// Another agent may not write; the serving one may not after the close.
		_, err = l.Append(ctx, chatlog.AppendRequest{ConversationID: "c2", Phases: []string{chatlog.PhaseAgent}, AgentID: "a2",
			Message: chatlog.Message{ToVisitor: true, SenderType: "AGENT", Content: "hi"}})
		require.ErrorAs(t, err, &pe)
	})
}

func TestAStaleSnapshotIsStampedWithTheServingAgent(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		l := &chatlog.Log{DB: db}
		ctx := context.Background()
		open(t, l, "c12", "u12", chatlog.PhaseAgent)
		a1, n1, a2, n2 := "a1", "Ann", "a2", "Bob"
		_, err := l.Apply(ctx, chatlog.Transition{ConversationID: "c12", Number: 1, Set: chatlog.Fields{AgentID: &a1, AgentName: &n1}})
		require.NoError(t, err)
		seen, err := l.Get(ctx, "c12")
		require.NoError(t, err)

		req := chat("c12", "to Ann", "")
		req.Seen = &seen
		first, err := l.Append(ctx, req)
		require.NoError(t, err)
		require.Equal(t, a1, first.Record.ServiceID)
		require.EqualValues(t, 3, first.Record.Seq)

		// A transfer between the visitor's read and the write: the message is
		// the new agent's, numbered after the first, whatever the snapshot says.
		_, err = l.Apply(ctx, chatlog.Transition{ConversationID: "c12", Number: 2, Set: chatlog.Fields{AgentID: &a2, AgentName: &n2}})
		require.NoError(t, err)
		req = chat("c12", "to Bob", "")
		req.Seen = &seen
		second, err := l.Append(ctx, req)
		require.NoError(t, err)
		require.Equal(t, a2, second.Record.ServiceID)
		require.Equal(t, n2, second.Record.ServiceName)
		require.EqualValues(t, 4, second.Record.Seq)
		require.Equal(t, a2, second.Conv.AgentID)
		bobs, err := l.AgentEvents(ctx, a2, 0, 10)
		require.NoError(t, err)
		require.Len(t, bobs, 1, "the new agent's feed has the message")
		require.EqualValues(t, 4, bobs[0].MessageSeq)
		anns, err := l.AgentEvents(ctx, a1, 0, 10)
		require.NoError(t, err)
		require.Len(t, anns, 1, "the old agent's feed has only the first")

		c, err := l.Get(ctx, "c12")
		require.NoError(t, err)
		require.EqualValues(t, 4, c.LastSeq)
		require.NotNil(t, c.LastActivity)
	})
}

func TestIdleTransitionWaitsForTheLog(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		l := &chatlog.Log{DB: db}
		ctx := context.Background()
		c := open(t, l, "c3", "u3", chatlog.PhaseRobot)
		before := c.StartedAt.Add(-time.Second)
		res, err := l.Apply(ctx, chatlog.Transition{ConversationID: "c3", Number: 1, Phase: chatlog.PhaseClosed, IdleSince: &before})
		require.NoError(t, err)
		require.False(t, res.Applied, "the visitor was active after the idle mark")
		require.Equal(t, chatlog.PhaseRobot, res.Conv.Phase)
	})
}

func TestPruneAgentEventsKeepsRecentOnes(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		l := &chatlog.Log{DB: db, Now: func() time.Time { return now }}
		ctx := context.Background()
		require.NoError(t, l.AddAgentEvents(ctx, "demo", chatlog.AgentEvent{AgentID: "a1", Type: chatlog.EventStatus}))
		now = now.Add(8 * 24 * time.Hour)
		require.NoError(t, l.AddAgentEvents(ctx, "demo", chatlog.AgentEvent{AgentID: "a1", Type: chatlog.EventStatus}))
		n, err := l.PruneAgentEvents(ctx, now.Add(-7*24*time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		left, err := l.AgentEvents(ctx, "a1", 0, 10)
		require.NoError(t, err)
		require.Len(t, left, 1)
		require.EqualValues(t, 2, left[0].Seq, "the feed's numbering goes on")
	})
}

func TestRepeatedKeyAnswersTheFirstWriteAfterTheClose(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		l := &chatlog.Log{DB: db}
		ctx := context.Background()
		open(t, l, "c9", "u9", chatlog.PhaseAgent)
		first, err := l.Append(ctx, chat("c9", "hi", "key-1"))
		require.NoError(t, err)
		_, err = l.Apply(ctx, chatlog.Transition{ConversationID: "c9", Number: 1, Phase: chatlog.PhaseClosed})
		require.NoError(t, err)

		again, err := l.Append(ctx, chat("c9", "hi", "key-1"))
		require.NoError(t, err, "a retry of an accepted send is not refused by the close that followed")
		require.True(t, again.Duplicate)
		require.Equal(t, first.Record.Seq, again.Record.Seq)

		_, err = l.Append(ctx, chat("c9", "new", "key-2"))
		var pe *chatlog.PhaseError
		require.ErrorAs(t, err, &pe, "a new message after the close is refused")
	})
}

func TestAgentFeedNumbersEventsInOrder(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		l := &chatlog.Log{DB: db}
		ctx := context.Background()
		open(t, l, "c10", "u10", chatlog.PhaseAgent)
		agent := "a10"
		_, err := l.Apply(ctx, chatlog.Transition{ConversationID: "c10", Number: 1, Set: chatlog.Fields{AgentID: &agent}})
		require.NoError(t, err)
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.Append(ctx, chat("c10", fmt.Sprint(i), ""))
				require.NoError(t, err)
			}()
		}
		require.NoError(t, l.AddAgentEvents(ctx, "demo", chatlog.AgentEvent{AgentID: agent, Type: chatlog.EventStatus}))
		wg.Wait()
		events, err := l.AgentEvents(ctx, agent, 0, 100)
		require.NoError(t, err)
		require.Len(t, events, 13)
		msgSeqs := map[int64]bool{}
		for i, e := range events {
			require.EqualValues(t, i+1, e.Seq, "the feed is numbered without gaps or repeats")
			if e.Type == chatlog.EventMessage {
				msgSeqs[e.MessageSeq] = true
			}
		}
		require.Len(t, msgSeqs, 12, "each message has its own event")
	})
}
