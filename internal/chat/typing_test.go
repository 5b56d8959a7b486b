package chat_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// served opens user's conversation id served by agent a1.
func served(t *testing.T, l *chatlog.Log, id, user string) {
	t.Helper()
	ctx := context.Background()
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: id, TenantID: "demo", ChannelConfigID: "ch",
		UserID: user, Phase: chatlog.PhaseQueued, Settings: "{}"})
	require.NoError(t, err)
	agent, joined := "a1", true
	_, err = l.Apply(ctx, chatlog.Transition{ConversationID: id, Number: 1, Phase: chatlog.PhaseAgent,
		Set: chatlog.Fields{AgentID: &agent, AgentJoined: &joined}})
	require.NoError(t, err)
}

// The agent's typing reaches the visitor's poll (issue 12): a long-poll
// wakes for it without a message, the answer says agentTyping while the
// mark is fresh, and an agent message sent after it ends it. Only the
// serving agent may mark.
func TestAgentTypingReachesTheVisitorsPoll(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	hub := notify.NewHub()
	l := &chatlog.Log{DB: db, Pub: hub}
	s := chat.NewService(l, hub, nil, slog.New(slog.DiscardHandler))
	served(t, l, "c1", "u1")
	v := chat.Visitor{ChannelID: "ch", UserID: "u1"}

	// Nothing typed yet: a poll says nothing of typing.
	res, err := s.Poll(ctx, v, chat.PollRequest{})
	require.NoError(t, err)
	require.False(t, res.AgentTyping)
	require.NoError(t, s.Deliver(ctx, res, func() bool { return true }))

	require.ErrorIs(t, s.AgentTyping(ctx, "a2", "c1"), chat.ErrNotYours, "another agent")
	require.ErrorIs(t, s.AgentTyping(ctx, "a1", "nope"), chatlog.ErrNotFound)

	// A long-poll waiting for messages answers when the agent types.
	done := make(chan chat.PollResult, 1)
	go func() {
		r, err := s.Poll(ctx, v, chat.PollRequest{Wait: 30 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	got := typeUntil(t, s, done)
	require.True(t, got.AgentTyping)
	require.Empty(t, got.Messages)

	// Still fresh on the next poll; an agent message sent after it ends it.
	res, err = s.Poll(ctx, v, chat.PollRequest{})
	require.NoError(t, err)
	require.True(t, res.AgentTyping)
	_, err = s.AgentSend(ctx, "a1", models.Conversation{ID: "c1"}, "", "TEXT", "hello")
	require.NoError(t, err)
	res, err = s.Poll(ctx, v, chat.PollRequest{})
	require.NoError(t, err)
	require.Len(t, res.Messages, 1)
	require.False(t, res.AgentTyping, "the agent sent what they typed")

	// A stale mark is no typing.
	require.NoError(t, s.AgentTyping(ctx, "a1", "c1"))
	res, err = s.Poll(ctx, v, chat.PollRequest{HasCursor: true, Cursor: res.Cursor})
	require.NoError(t, err)
	require.True(t, res.AgentTyping)
	ageMark(t, db, "c1", chat.TypingFresh+time.Second)
	res, err = s.Poll(ctx, v, chat.PollRequest{HasCursor: true, Cursor: res.Cursor})
	require.NoError(t, err)
	require.False(t, res.AgentTyping)
}

// Across replicas (issue 12): the agent's typing is marked on a replica
// whose notifier the visitor's long-poll does not share, and the poll still
// answers it, from the mark in the database.
func TestAgentTypingOnAnotherReplica(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	pollHub, agentHub := notify.NewHub(), notify.NewHub()
	pollHub.Fallback = 50 * time.Millisecond
	visitorSide := chat.NewService(&chatlog.Log{DB: db, Pub: pollHub}, pollHub, nil, slog.New(slog.DiscardHandler))
	agentLog := &chatlog.Log{DB: db, Pub: agentHub}
	agentSide := chat.NewService(agentLog, agentHub, nil, slog.New(slog.DiscardHandler))
	served(t, agentLog, "c1", "u1")

	done := make(chan chat.PollResult, 1)
	go func() {
		r, err := visitorSide.Poll(ctx, chat.Visitor{ChannelID: "ch", UserID: "u1"}, chat.PollRequest{HasCursor: true, Cursor: 1, Wait: 30 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	got := typeUntil(t, agentSide, done)
	require.True(t, got.AgentTyping)
	require.Empty(t, got.Messages)
}

// Typing outside the agent phase is refused: nobody serves the visitor.
func TestAgentTypingNeedsTheAgentPhase(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	l := &chatlog.Log{DB: db}
	s := chat.NewService(l, notify.NewHub(), nil, slog.New(slog.DiscardHandler))
	inSatisfaction(t, l, "c1", "u1", false)
	require.ErrorIs(t, s.AgentTyping(ctx, "a1", "c1"), chat.ErrNotYours)
	c, err := l.Get(ctx, "c1")
	require.NoError(t, err)
	require.Nil(t, c.AgentTypingAt, "nothing marked")
}

func ageMark(t *testing.T, db *gorm.DB, id string, by time.Duration) {
	t.Helper()
	require.NoError(t, db.Model(&models.Conversation{}).Where("id = ?", id).
		Update("agent_typing_at", time.Now().UTC().Add(-by)).Error)
}

// typeUntil marks the agent typing every few milliseconds until a poll
// answers: the poll may park before or after any one mark, and a mark made
// before it began is one it has seen.
func typeUntil(t *testing.T, s *chat.Service, done <-chan chat.PollResult) chat.PollResult {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case r := <-done:
			return r
		case <-tick.C:
			require.NoError(t, s.AgentTyping(context.Background(), "a1", "c1"))
		case <-timeout:
			t.Fatal("the poll never answered the typing")
		}
	}
}
