package models

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
)

// ConversationColumns are Conversation's columns in the order of
// (*Conversation).Fields, for the hot paths that read a whole row without
// GORM's reflection (the message log's lock on every append).
// TestColumnsAreTheSchema fails when a field is added to
// Conversation and not here.
const ConversationColumns = "id, workflow_id, tenant_id, channel_config_id, user_id, user_name, phase, " +
	"skill_group_id, agent_id, started_at, queued_at, assigned_at, ended_at, closed_at, close_reason, " +
	"updated_at, open_key, last_seq, delivered_seq, last_activity, transition, agent_name, agent_joined, " +
	"rated, product_card, settings, workflow_started, agent_typing_at, robot_unsignalled_seq"

// Fields are pointers to c's fields in the order of ConversationColumns,
// for a database/sql Scan.
func (c *Conversation) Fields() []any {
	return []any{&c.ID, &c.WorkflowID, &c.TenantID, &c.ChannelConfigID, &c.UserID, &c.UserName, &c.Phase,
		&c.SkillGroupID, &c.AgentID, &c.StartedAt, &c.QueuedAt, &c.AssignedAt, &c.EndedAt, &c.ClosedAt, &c.CloseReason,
		&c.UpdatedAt, &c.OpenKey, &c.LastSeq, &c.DeliveredSeq, &c.LastActivity, &c.Transition, &c.AgentName, &c.AgentJoined,
		&c.Rated, &c.ProductCard, &c.Settings, &c.WorkflowStarted, &c.AgentTypingAt, &c.RobotUnsignalledSeq}
}

// ChatRecordColumns are ChatRecord's columns in the order of
// (*ChatRecord).Fields, for the reads of the message path (every poll and
// every agent event read). TestColumnsAreTheSchema fails when a field is
// added to ChatRecord and not here.
const ChatRecordColumns = "id, tenant_id, conversation_id, user_id, seq, direction, sender_type, sender_id, " +
	"media_type, rc_type, content, message_code, created_at, deleted_by_member_at, deleted_by_seller_at, " +
	"client_key, control_type, sender_nickname, phase, service_id, service_name, skill_group_id, closing, " +
	"inter_idx, sim_questions, channel_config_id"

// Fields are pointers to r's fields in the order of ChatRecordColumns.
func (r *ChatRecord) Fields() []any {
	return []any{&r.ID, &r.TenantID, &r.ConversationID, &r.UserID, &r.Seq, &r.Direction, &r.SenderType, &r.SenderID,
		&r.MediaType, &r.RCType, &r.Content, &r.MessageCode, &r.CreatedAt, &r.DeletedByMemberAt, &r.DeletedBySellerAt,
		&r.ClientKey, &r.ControlType, &r.SenderNickname, &r.Phase, &r.ServiceID, &r.ServiceName, &r.SkillGroupID, &r.Closing,
		&r.InterIdx, &r.SimQuestions, &r.ChannelConfigID}
}

// AgentEventColumns are AgentEvent's columns in the order of
// (*AgentEvent).Fields, for an agent's long-poll of their feed.
const AgentEventColumns = "id, agent_id, seq, type, conversation_id, message_seq, payload, created_at"

// Fields are pointers to e's fields in the order of AgentEventColumns.
func (e *AgentEvent) Fields() []any {
	return []any{&e.ID, &e.AgentID, &e.Seq, &e.Type, &e.ConversationID, &e.MessageSeq, &e.Payload, &e.CreatedAt}
}

// Scannable is a model whose pointer lists its fields in its columns' order.
type Scannable[T any] interface {
	*T
	Fields() []any
}

// QueryAll runs query through conn (a database's or a transaction's pool)
// and scans every row into a T; no rows is nil. It is for statements written
// out on the hot paths, where GORM's building and reflection cost more than
// the statement.
func QueryAll[T any, P Scannable[T]](ctx context.Context, conn gorm.ConnPool, query string, args ...any) ([]T, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(P(&v).Fields()...); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// QueryOne runs query through conn and scans its first row into fields;
// no row is sql.ErrNoRows. It is QueryRowContext through the pool's
// QueryContext, so a pool's wrapper (a test's outage) can fail it with its
// own error.
func QueryOne(ctx context.Context, conn gorm.ConnPool, fields []any, query string, args ...any) error {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(fields...); err != nil {
		return err
	}
	return rows.Close()
}

// ConversationByID reads a whole conversation row through conn, suffix
// ending the statement (" FOR UPDATE" to lock it on MySQL); no row is
// sql.ErrNoRows. Every append and every agent's reply reads the row, and
// GORM's reflection cost more than the query.
func ConversationByID(ctx context.Context, conn gorm.ConnPool, id, suffix string) (Conversation, error) {
	var c Conversation
	err := QueryOne(ctx, conn, c.Fields(), "SELECT "+ConversationColumns+" FROM conversations WHERE id = ?"+suffix, id)
	return c, err
}
