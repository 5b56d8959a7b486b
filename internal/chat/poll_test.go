package chat_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// An idle long-poll costs the database what its answer needs: the visitor's
// conversation and one read of its messages before it waits, nothing while
// it waits (its process's own writes wake it), and an agent's event read
// likewise reads the events once. 1,000 idle visitors poll all the time.
func TestAnIdleLongPollReadsOnceBeforeItWaits(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	hub := notify.NewHub()
	hub.Fallback = time.Hour
	l := &chatlog.Log{DB: db, Pub: hub}
	s := chat.NewService(l, hub, nil, slog.New(slog.DiscardHandler))
	served(t, l, "c1", "u1")
	reads := modelstest.CountStatements(t, db)

	res, err := s.Poll(ctx, chat.Visitor{ChannelID: "ch", UserID: "u1"}, chat.PollRequest{Wait: 200 * time.Millisecond})
	require.NoError(t, err)
	require.Empty(t, res.Messages)
	require.Equal(t, map[string]int{"select conversations": 1, "select chat_records": 1}, reads.Take())

	events, _, err := s.AgentEvents(ctx, "demo", "a1", 1<<40, 200*time.Millisecond)
	require.NoError(t, err)
	require.Empty(t, events)
	require.Equal(t, 1, reads.Take()["select agent_events"])

	// A message wakes the waiting poll, which reads once more and answers it.
	done := make(chan chat.PollResult, 1)
	go func() {
		r, err := s.Poll(ctx, chat.Visitor{ChannelID: "ch", UserID: "u1"}, chat.PollRequest{Wait: 30 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	require.Eventually(t, func() bool { return reads.Take()["select chat_records"] > 0 }, 5*time.Second, 5*time.Millisecond, "the poll waits")
	_, err = s.AgentSend(ctx, "a1", models.Conversation{ID: "c1"}, "", "TEXT", "hello")
	require.NoError(t, err)
	select {
	case r := <-done:
		require.Len(t, r.Messages, 1)
		require.Equal(t, "hello", r.Messages[0].Content)
	case <-time.After(10 * time.Second):
		t.Fatal("the message did not wake the poll")
	}
}
