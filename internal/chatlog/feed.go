package chatlog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/models"
)

// Types of the agent's events (the agent API's `/events`).
const (
	EventAssigned    = "assigned"
	EventMessage     = "message"
	EventTyping      = "typing"
	EventTransferred = "transferred"
	EventClosed      = "closed"
	EventRequeued    = "requeued"
	EventStatus      = "status"
	// EventCall is a click-to-call of the agent's changing state (ringing,
	// connected, ended); the console reads the call itself.
	EventCall = "call"
)

// AgentEvent is an event for an agent's feed.
type AgentEvent struct {
	AgentID        string
	Type           string
	ConversationID string
	// MessageSeq points at the chat record of a message event.
	MessageSeq int64
	Payload    EventPayload
}

// EventPayload is what an event carries beyond its type and conversation.
type EventPayload struct {
	Status      string `json:"status,omitempty"`
	FromAgentID string `json:"fromAgentId,omitempty"`
	// CallID names the call of a call event (Status is its state).
	CallID string `json:"callId,omitempty"`
}

// addEvent numbers an event in its agent's feed under the feed row's lock.
// Locks are always taken conversation first, then agent. Its statements are
// written out rather than built by GORM: one runs with every message to an
// agent, and GORM's building and reflection cost more than the statement.
func addEvent(tx *gorm.DB, tenantID string, e AgentEvent, at time.Time) error {
	seq, err := nextEventSeq(tx, tenantID, e.AgentID)
	if err != nil {
		return fmt.Errorf("number event of agent %s: %w", e.AgentID, err)
	}
	payload, err := json.Marshal(e.Payload)
	if err != nil {
		return err
	}
	if _, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context,
		"INSERT INTO agent_events (agent_id, seq, type, conversation_id, message_seq, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		e.AgentID, seq, e.Type, e.ConversationID, e.MessageSeq, string(payload), at); err != nil {
		return fmt.Errorf("add event of agent %s: %w", e.AgentID, err)
	}
	return nil
}

// nextEventSeq takes the next number of an agent's feed, locking its row
// until the transaction ends. A new row starts the feed at 1.
func nextEventSeq(tx *gorm.DB, tenantID, agentID string) (int64, error) {
	ctx, conn := tx.Statement.Context, tx.Statement.ConnPool
	if tx.Dialector.Name() == models.DriverMySQL {
		// One round trip instead of two: LAST_INSERT_ID(expr) hands the
		// incremented number back in the statement's answer (affected
		// rows 1 for a new row, 2 for an update).
		res, err := conn.ExecContext(ctx,
			"INSERT INTO agent_feeds (agent_id, tenant_id, last_seq, status) VALUES (?, ?, 1, 'OFFLINE') "+
				"ON DUPLICATE KEY UPDATE last_seq = LAST_INSERT_ID(last_seq + 1)", agentID, tenantID)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 1 {
			return 1, err
		}
		return res.LastInsertId()
	}
	if _, err := conn.ExecContext(ctx,
		"INSERT INTO agent_feeds (agent_id, tenant_id, last_seq, status) VALUES (?, ?, 1, 'OFFLINE') "+
			"ON CONFLICT (agent_id) DO UPDATE SET last_seq = last_seq + 1", agentID, tenantID); err != nil {
		return 0, err
	}
	// The number is read again rather than with RETURNING, which costs
	// SQLite a statement journal (models.noReturning).
	var seq int64
	err := models.QueryOne(ctx, conn, []any{&seq}, "SELECT last_seq FROM agent_feeds WHERE agent_id = ?", agentID)
	return seq, err
}

// AddAgentEvents writes events for agents of a tenant (a status change, a typing visitor).
func (l *Log) AddAgentEvents(ctx context.Context, tenantID string, events ...AgentEvent) error {
	if len(events) == 0 {
		return nil
	}
	var keys []string
	db, done := l.writer(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		now := l.now()
		for _, e := range events {
			if err := addEvent(tx, tenantID, e, now); err != nil {
				return err
			}
			keys = append(keys, AgentKey(e.AgentID))
		}
		return nil
	})
	done()
	if err != nil {
		return err
	}
	l.publish(keys)
	return nil
}

// AgentEvents lists an agent's events after a seq, oldest first; none is
// nil. The read is written out: every agent long-poll makes it.
func (l *Log) AgentEvents(ctx context.Context, agentID string, afterSeq int64, limit int) ([]models.AgentEvent, error) {
	out, err := models.QueryAll[models.AgentEvent](ctx, l.DB.Statement.ConnPool,
		"SELECT "+models.AgentEventColumns+" FROM agent_events WHERE agent_id = ? AND seq > ? ORDER BY seq"+limitClause(limit),
		agentID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("read events of agent %s: %w", agentID, err)
	}
	return out, nil
}

// AgentFeedHead returns the seq of an agent's latest event (0 for none).
func (l *Log) AgentFeedHead(ctx context.Context, agentID string) (int64, error) {
	var feed models.AgentFeed
	err := l.DB.WithContext(ctx).Where("agent_id = ?", agentID).Limit(1).Find(&feed).Error
	if err != nil {
		return 0, fmt.Errorf("read feed of agent %s: %w", agentID, err)
	}
	return feed.LastSeq, nil
}

// seenEvery bounds how often an agent's reads write their presence: once
// in this long is plenty for a two-minute timeout.
const seenEvery = 10 * time.Second

// SeeAgent records that the agent read their feed now.
func (l *Log) SeeAgent(ctx context.Context, tenantID, agentID string) error {
	now := l.now()
	l.seenMu.Lock()
	if l.seen == nil {
		l.seen = map[string]time.Time{}
	}
	last, known := l.seen[agentID]
	fresh := now.Sub(last) < seenEvery
	if !fresh {
		l.seen[agentID] = now
	}
	l.seenMu.Unlock()
	if fresh {
		return nil
	}
	if err := l.writeSeen(ctx, tenantID, agentID, now, !known); err != nil {
		// Forgotten, so that the next read writes both statements again.
		l.seenMu.Lock()
		delete(l.seen, agentID)
		l.seenMu.Unlock()
		return err
	}
	return nil
}

// writeSeen moves the agent's last_seen to now. The feed row is made first
// only the first time this process writes it: feed rows are never deleted,
// so once written it stays, and an idle agent's read costs one statement.
func (l *Log) writeSeen(ctx context.Context, tenantID, agentID string, now time.Time, first bool) error {
	db, done := l.writer(ctx)
	defer done()
	if first {
		err := db.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&models.AgentFeed{AgentID: agentID, TenantID: tenantID, LastSeen: &now}).Error
		if err != nil {
			return fmt.Errorf("record agent %s seen: %w", agentID, err)
		}
	}
	// Written out: an idle agent's every long-poll may make it, and GORM's
	// update cost more than the statement.
	_, err := db.Statement.ConnPool.ExecContext(ctx,
		"UPDATE agent_feeds SET last_seen = ? WHERE agent_id = ? AND (last_seen IS NULL OR last_seen < ?)",
		now, agentID, now.Add(-seenEvery))
	if err != nil {
		return fmt.Errorf("record agent %s seen: %w", agentID, err)
	}
	return nil
}

// SetAgentStatus records the presence the agent chose and tells their feed.
func (l *Log) SetAgentStatus(ctx context.Context, tenantID, agentID, status string) error {
	if err := l.SeeAgent(ctx, tenantID, agentID); err != nil {
		return err
	}
	db, done := l.writer(ctx)
	err := db.Model(&models.AgentFeed{}).Where("agent_id = ?", agentID).Update("status", status).Error
	done()
	if err != nil {
		return fmt.Errorf("record agent %s status: %w", agentID, err)
	}
	return l.AddAgentEvents(ctx, tenantID, AgentEvent{AgentID: agentID, Type: EventStatus, Payload: EventPayload{Status: status}})
}

// StaleAgent is an agent the presence sweep took offline.
type StaleAgent struct {
	AgentID  string
	TenantID string
}

// TakeAwayStale takes offline the agents who are not offline but have not
// read their events since before a moment, tells each in their feed, and
// returns them. Each agent is taken by one sweeper only, whichever process
// runs it: the status changes under a condition.
func (l *Log) TakeAwayStale(ctx context.Context, before time.Time) ([]StaleAgent, error) {
	var feeds []models.AgentFeed
	err := l.DB.WithContext(ctx).Where("status <> ? AND (last_seen IS NULL OR last_seen < ?)", "OFFLINE", before).
		Limit(500).Find(&feeds).Error
	if err != nil {
		return nil, fmt.Errorf("read agents' presence: %w", err)
	}
	var out []StaleAgent
	for _, f := range feeds {
		db, done := l.writer(ctx)
		res := db.Model(&models.AgentFeed{}).
			Where("agent_id = ? AND status <> ? AND (last_seen IS NULL OR last_seen < ?)", f.AgentID, "OFFLINE", before).
			Update("status", "OFFLINE")
		done()
		if res.Error != nil {
			return out, fmt.Errorf("take agent %s offline: %w", f.AgentID, res.Error)
		}
		if res.RowsAffected == 0 {
			continue
		}
		err := l.AddAgentEvents(ctx, f.TenantID, AgentEvent{AgentID: f.AgentID, Type: EventStatus, Payload: EventPayload{Status: "OFFLINE"}})
		if err != nil {
			return out, err
		}
		out = append(out, StaleAgent{AgentID: f.AgentID, TenantID: f.TenantID})
	}
	return out, nil
}

// PruneAgentEvents deletes events older than a moment: a console that falls
// that far behind reloads its conversations instead.
func (l *Log) PruneAgentEvents(ctx context.Context, before time.Time) (int64, error) {
	res := l.DB.WithContext(ctx).Where("created_at < ?", before).Delete(&models.AgentEvent{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune agent events: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// WebhookCursor is how far an endpoint has received a conversation.
func (l *Log) WebhookCursor(ctx context.Context, conversationID string, endpointID uint64) (int64, error) {
	var cur models.WebhookCursor
	err := l.DB.WithContext(ctx).Where("conversation_id = ? AND endpoint_id = ?", conversationID, endpointID).
		Limit(1).Find(&cur).Error
	if err != nil {
		return 0, fmt.Errorf("read webhook cursor: %w", err)
	}
	return cur.DeliveredSeq, nil
}

// SaveWebhookCursor records that an endpoint has received a conversation up to seq.
func (l *Log) SaveWebhookCursor(ctx context.Context, conversationID string, endpointID uint64, seq int64) error {
	db, done := l.writer(ctx)
	defer done()
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "conversation_id"}, {Name: "endpoint_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"delivered_seq", "updated_at"}),
	}).Create(&models.WebhookCursor{ConversationID: conversationID, EndpointID: endpointID, DeliveredSeq: seq, UpdatedAt: l.now()}).Error
	if err != nil {
		return fmt.Errorf("save webhook cursor: %w", err)
	}
	return nil
}
