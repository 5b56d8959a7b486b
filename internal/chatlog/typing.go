package chatlog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// AgentTyping marks that the serving agent is typing in a conversation and
// wakes the conversation's waiters, so the visitor's long-poll answers it.
// The mark is a column of the conversation row, not a message: it is never
// delivered twice nor kept in the transcript, and every replica's poll reads
// it (a poll on another replica sees it at its next re-check). Only the agent
// the row names, in the agent phase, may mark; otherwise a PhaseError.
func (l *Log) AgentTyping(ctx context.Context, conversationID, agentID string) error {
	db, done := l.writer(ctx)
	res := db.Model(&models.Conversation{}).
		Where("id = ? AND agent_id = ? AND phase = ?", conversationID, agentID, PhaseAgent).
		Update("agent_typing_at", l.now())
	done()
	if res.Error != nil {
		return fmt.Errorf("mark agent typing in %s: %w", conversationID, res.Error)
	}
	if res.RowsAffected == 0 {
		c, err := l.Get(ctx, conversationID)
		if err != nil {
			return err
		}
		return &PhaseError{Conv: c}
	}
	l.publish([]string{ConversationKey(conversationID)})
	return nil
}

// AgentTypingAt reads when the serving agent of a conversation last typed
// (nil: not since the conversation opened).
func (l *Log) AgentTypingAt(ctx context.Context, conversationID string) (*time.Time, error) {
	var c models.Conversation
	err := l.DB.WithContext(ctx).Select("agent_typing_at").Where("id = ?", conversationID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read typing mark of %s: %w", conversationID, err)
	}
	return c.AgentTypingAt, nil
}
