package chat_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// An agent the presence sweep took offline, and whose conversation went
// back to the queue, learns why their reply is refused (issue 11): someone
// answering by hand with curl does not guess the two-minute rule.
func TestAgentTakenOfflineIsToldWhy(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	l := &chatlog.Log{DB: db}
	s := chat.NewService(l, nil, nil, slog.New(slog.DiscardHandler))
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: "c1", TenantID: "demo", ChannelConfigID: "ch",
		UserID: "u1", Phase: chatlog.PhaseQueued, Settings: "{}"})
	require.NoError(t, err)

	// Present, but not serving this conversation: the plain answer.
	require.NoError(t, l.SetAgentStatus(ctx, "demo", "agent1", "READY"))
	_, err = s.AgentSend(ctx, "agent1", models.Conversation{ID: "c1"}, "", "TEXT", "hello")
	require.ErrorIs(t, err, chat.ErrNotYours)
	require.NotErrorIs(t, err, chat.ErrTakenOffline)

	// Taken offline by the sweep after two minutes without reading events.
	stale, err := l.TakeAwayStale(ctx, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, stale, 1)
	require.NoError(t, db.Model(&models.AgentFeed{}).Where("agent_id = ?", "agent1").
		Update("last_seen", time.Now().Add(-3*time.Minute)).Error)
	_, err = s.AgentSend(ctx, "agent1", models.Conversation{ID: "c1"}, "", "TEXT", "hello")
	require.ErrorIs(t, err, chat.ErrNotYours, "still a 403 at the API")
	require.ErrorIs(t, err, chat.ErrTakenOffline)
	require.Contains(t, err.Error(), "you were taken offline after 2 minutes without reading events")
}
