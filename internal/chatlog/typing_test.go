package chatlog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models/modelstest"
)

// The agent's typing mark (issue 12) is the serving agent's alone, is kept
// on the conversation row on SQLite and MySQL, and wakes the conversation's
// waiters; a refused mark writes and wakes nothing.
func TestAgentTypingMark(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		rec := &recorder{}
		l := &chatlog.Log{DB: db, Pub: rec}
		open(t, l, "c1", "u1", chatlog.PhaseQueued)
		agent, joined := "a1", true
		_, err := l.Apply(ctx, chatlog.Transition{ConversationID: "c1", Number: 1, Phase: chatlog.PhaseAgent,
			Set: chatlog.Fields{AgentID: &agent, AgentJoined: &joined}})
		require.NoError(t, err)
		rec.keys = nil

		var pe *chatlog.PhaseError
		require.True(t, errors.As(l.AgentTyping(ctx, "c1", "a2"), &pe), "another agent")
		at, err := l.AgentTypingAt(ctx, "c1")
		require.NoError(t, err)
		require.Nil(t, at)
		require.Empty(t, rec.keys)

		require.NoError(t, l.AgentTyping(ctx, "c1", "a1"))
		at, err = l.AgentTypingAt(ctx, "c1")
		require.NoError(t, err)
		require.NotNil(t, at)
		require.Equal(t, []string{chatlog.ConversationKey("c1")}, rec.keys)

		require.ErrorIs(t, l.AgentTyping(ctx, "nope", "a1"), chatlog.ErrNotFound)
		_, err = l.AgentTypingAt(ctx, "nope")
		require.ErrorIs(t, err, chatlog.ErrNotFound)
	})
}
