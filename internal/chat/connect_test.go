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
	"github.com/ccflow/ccflow/workflows/conversation"
)

// inSatisfaction opens user's conversation id served by an agent and moves
// it to the satisfaction phase, rated or not.
func inSatisfaction(t *testing.T, l *chatlog.Log, id, user string, rated bool) {
	t.Helper()
	ctx := context.Background()
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: id, TenantID: "demo", ChannelConfigID: "ch",
		UserID: user, Phase: chatlog.PhaseAgent, Settings: "{}"})
	require.NoError(t, err)
	agent, joined := "a1", true
	_, err = l.Apply(ctx, chatlog.Transition{ConversationID: id, Number: 1, Phase: chatlog.PhaseSatisfaction,
		Set: chatlog.Fields{AgentID: &agent, AgentJoined: &joined}})
	require.NoError(t, err)
	if rated {
		ok, err := l.Rate(ctx, id, models.SatisfactionRating{Evaluation: 5})
		require.NoError(t, err)
		require.True(t, ok)
	}
}

// A visitor who rated and CONNECTs again gets a new conversation once the
// rated one closes, not the one that is closing (whose TRANS2AGENT would
// answer 13).
func TestConnectAfterARatingStartsTheNextConversation(t *testing.T) {
	ctx := context.Background()
	hub := notify.NewHub()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t), Pub: hub}
	s := chat.NewService(l, hub, &fakeFlows{}, slog.New(slog.DiscardHandler))
	ch := conversation.Channel{ID: "ch", TenantID: "demo", RobotEnabled: true, RobotGreeting: "hi"}
	connect := chat.SendRequest{ControlType: conversation.ControlConnect}

	inSatisfaction(t, l, "rated", "u1", true)
	go func() {
		time.Sleep(100 * time.Millisecond) // the workflow acting on the rating
		// As the workflow closes it: with the closing notice, which wakes waiters.
		_, err := l.Apply(context.Background(), chatlog.Transition{ConversationID: "rated", Number: 2, Phase: chatlog.PhaseClosed,
			Messages: []chatlog.Message{{ToVisitor: true, SenderType: "SYSTEM", ControlType: "CHAT", MediaType: "TEXT", Content: "bye", Closing: true}}})
		require.NoError(t, err)
	}()
	res, err := s.Connect(ctx, ch, chat.Visitor{ChannelID: "ch", UserID: "u1"}, chat.Entry{}, connect)
	require.NoError(t, err)
	require.Equal(t, conversation.CodeOK, res.Code)
	latest, err := l.Latest(ctx, "ch", "u1")
	require.NoError(t, err)
	require.NotEqual(t, "rated", latest.ID, "a new conversation")
	require.Equal(t, chatlog.PhaseRobot, latest.Phase)

	// One that does not close in time: a retryable error, and nothing new.
	inSatisfaction(t, l, "stuck", "u2", true)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = s.Connect(short, ch, chat.Visitor{ChannelID: "ch", UserID: "u2"}, chat.Entry{}, connect)
	require.ErrorIs(t, err, chat.ErrConversationClosing)
	latest, err = l.Latest(ctx, "ch", "u2")
	require.NoError(t, err)
	require.Equal(t, "stuck", latest.ID)

	// Not rated yet: a CONNECT changes nothing, as before.
	inSatisfaction(t, l, "unrated", "u3", false)
	res, err = s.Connect(ctx, ch, chat.Visitor{ChannelID: "ch", UserID: "u3"}, chat.Entry{}, connect)
	require.NoError(t, err)
	require.Equal(t, conversation.CodeOK, res.Code)
	latest, err = l.Latest(ctx, "ch", "u3")
	require.NoError(t, err)
	require.Equal(t, "unrated", latest.ID)
}
