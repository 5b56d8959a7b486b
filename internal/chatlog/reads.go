package chatlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/ccflow/ccflow/models"
)

// The reads below are written out rather than built by GORM: every poll and
// every agent event read makes one, and GORM's building and reflection cost
// more than the statement.

// limitClause is a statement's LIMIT, written into its text: SQLite's
// planner reads a bound LIMIT's value, so a statement with LIMIT ? is
// compiled again on every run (BenchmarkWokenReads: 92 -> 45 µs). limit is
// the caller's page size, a number, never text from a request.
func limitClause(limit int) string { return " LIMIT " + strconv.Itoa(limit) }

// recordsAfter is the statement of a conversation's messages after a seq, oldest first.
const recordsAfter = "SELECT " + models.ChatRecordColumns + " FROM chat_records WHERE conversation_id = ? AND seq > ?"

// Downlink lists the messages to the visitor after a seq, oldest first; none is nil.
func (l *Log) Downlink(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]models.ChatRecord, error) {
	out, err := models.QueryAll[models.ChatRecord](ctx, l.DB.Statement.ConnPool,
		recordsAfter+" AND direction = ? ORDER BY seq"+limitClause(limit), conversationID, afterSeq, ToVisitor)
	if err != nil {
		return nil, fmt.Errorf("read messages of %s: %w", conversationID, err)
	}
	return out, nil
}

// Messages lists a conversation's messages in both directions after a seq.
func (l *Log) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]models.ChatRecord, error) {
	out, err := models.QueryAll[models.ChatRecord](ctx, l.DB.Statement.ConnPool,
		recordsAfter+" ORDER BY seq"+limitClause(limit), conversationID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("read messages of %s: %w", conversationID, err)
	}
	return out, nil
}

// Message returns one message of a conversation.
func (l *Log) Message(ctx context.Context, conversationID string, seq int64) (models.ChatRecord, error) {
	var out models.ChatRecord
	err := models.QueryOne(ctx, l.DB.Statement.ConnPool, out.Fields(),
		"SELECT "+models.ChatRecordColumns+" FROM chat_records WHERE conversation_id = ? AND seq = ?", conversationID, seq)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return out, fmt.Errorf("read message %d of %s: %w", seq, conversationID, err)
	}
	return out, nil
}

// MarkDelivered moves the cursor-less poll's delivery mark forward to seq.
func (l *Log) MarkDelivered(ctx context.Context, conversationID string, seq int64) error {
	if err := l.setDelivered(ctx, conversationID, seq, "delivered_seq < ?", seq); err != nil {
		return fmt.Errorf("mark messages of %s delivered: %w", conversationID, err)
	}
	return nil
}

// UnmarkDelivered puts the delivery mark back from seq to before, unless it
// has moved on since.
func (l *Log) UnmarkDelivered(ctx context.Context, conversationID string, seq, before int64) error {
	if err := l.setDelivered(ctx, conversationID, before, "delivered_seq = ?", seq); err != nil {
		return fmt.Errorf("unmark messages of %s: %w", conversationID, err)
	}
	return nil
}

// setDelivered sets a conversation's delivery mark to seq where its mark
// meets cond (with arg), stamping updated_at as GORM's updates do.
func (l *Log) setDelivered(ctx context.Context, conversationID string, seq int64, cond string, arg int64) error {
	db, done := l.writer(ctx)
	defer done()
	_, err := db.Statement.ConnPool.ExecContext(ctx,
		"UPDATE conversations SET delivered_seq = ?, updated_at = ? WHERE id = ? AND "+cond,
		seq, db.NowFunc(), conversationID, arg)
	return err
}
