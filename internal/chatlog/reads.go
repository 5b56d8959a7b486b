package chatlog

import (
	"context"
	"fmt"

	"github.com/ccflow/ccflow/models"
)

// Downlink lists the messages to the visitor after a seq, oldest first.
func (l *Log) Downlink(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]models.ChatRecord, error) {
	var out []models.ChatRecord
	err := l.DB.WithContext(ctx).Where("conversation_id = ? AND seq > ? AND direction = ?", conversationID, afterSeq, ToVisitor).
		Order("seq").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read messages of %s: %w", conversationID, err)
	}
	return nonEmpty(out), nil
}

// nonEmpty answers nil for an empty page. GORM makes room for 20 rows
// before it reads any, and a long-poll that found nothing keeps its last
// answer while it waits: 8 KB each for 1,000 waiting visitors.
func nonEmpty[T any](page []T) []T {
	if len(page) == 0 {
		return nil
	}
	return page
}

// Messages lists a conversation's messages in both directions after a seq.
func (l *Log) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]models.ChatRecord, error) {
	var out []models.ChatRecord
	err := l.DB.WithContext(ctx).Where("conversation_id = ? AND seq > ?", conversationID, afterSeq).
		Order("seq").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read messages of %s: %w", conversationID, err)
	}
	return out, nil
}

// Message returns one message of a conversation.
func (l *Log) Message(ctx context.Context, conversationID string, seq int64) (models.ChatRecord, error) {
	var out models.ChatRecord
	err := l.DB.WithContext(ctx).Where("conversation_id = ? AND seq = ?", conversationID, seq).Take(&out).Error
	if err != nil {
		return out, fmt.Errorf("read message %d of %s: %w", seq, conversationID, err)
	}
	return out, nil
}

// MarkDelivered moves the cursor-less poll's delivery mark forward to seq.
func (l *Log) MarkDelivered(ctx context.Context, conversationID string, seq int64) error {
	db, done := l.writer(ctx)
	defer done()
	err := db.Model(&models.Conversation{}).
		Where("id = ? AND delivered_seq < ?", conversationID, seq).Update("delivered_seq", seq).Error
	if err != nil {
		return fmt.Errorf("mark messages of %s delivered: %w", conversationID, err)
	}
	return nil
}

// UnmarkDelivered puts the delivery mark back from seq to before, unless it
// has moved on since.
func (l *Log) UnmarkDelivered(ctx context.Context, conversationID string, seq, before int64) error {
	db, done := l.writer(ctx)
	defer done()
	err := db.Model(&models.Conversation{}).
		Where("id = ? AND delivered_seq = ?", conversationID, seq).Update("delivered_seq", before).Error
	if err != nil {
		return fmt.Errorf("unmark messages of %s: %w", conversationID, err)
	}
	return nil
}
