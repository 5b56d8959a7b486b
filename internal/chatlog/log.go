// Package chatlog is the conversations' message log in the application
// database: every message in either direction is a row written once, in one
// transaction, when it is acknowledged, numbered under its conversation
// row's lock. The conversation row is the gate: its phase decides what a
// write may do, so a message is never accepted in a phase that refuses it.
// Reads (the visitor's poll, the agent's events, webhooks, chat records) are
// cursor reads; writers publish on a notifier so that long-polls wake.
//
// Only the conversation workflow changes a conversation's phase, through
// Transition; the API creates conversations (Open) and appends messages
// (Append). Nothing here imports the workflows: they use it through activities.
package chatlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// Phases of a conversation, as the conversation workflow's contract spells them.
const (
	PhaseRobot        = "ROBOT"
	PhaseQueued       = "QUEUED"
	PhaseAgent        = "AGENT"
	PhaseSatisfaction = "SATISFACTION"
	PhaseClosed       = "CLOSED"
)

// Directions of a message, as spec 001 spells them.
const (
	ToVisitor = "to_visiter"
	ToService = "to_service"
)

// Publisher wakes the long-polls waiting on keys; internal/notify's Hub is one.
type Publisher interface {
	Publish(keys ...string)
}

// ConversationKey is the notifier key of a conversation's messages.
func ConversationKey(conversationID string) string { return "conv:" + conversationID }

// AgentKey is the notifier key of an agent's events.
func AgentKey(agentID string) string { return "agent:" + agentID }

var (
	// ErrNotFound is a conversation that does not exist.
	ErrNotFound = errors.New("conversation not found")
)

// PhaseError is a write the conversation's phase (or agent) refused; Conv is
// the conversation as it stands, for the caller to say why.
type PhaseError struct {
	Conv models.Conversation
}

func (e *PhaseError) Error() string {
	return "conversation " + e.Conv.ID + " is in phase " + e.Conv.Phase
}

// Log is the message log on a database.
type Log struct {
	DB  *gorm.DB
	Pub Publisher
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// writing serialises this process's writes on SQLite, whose one write
	// lock otherwise makes colliding transactions sleep in its busy handler
	// (milliseconds each) instead of queueing.
	writing sync.Mutex
	// seen is when each agent's presence was last written, to write it
	// once per seenEvery however often the agent reads; an agent in it
	// has a feed row (rows are never deleted; a failed write removes it).
	seenMu sync.Mutex
	seen   map[string]time.Time
	// groupMu guards the appends waiting for a group commit (SQLite).
	groupMu sync.Mutex
	pending []*appendJob
	leading bool
}

// writer returns the handle for a write and the function that ends it.
func (l *Log) writer(ctx context.Context) (*gorm.DB, func()) {
	if l.DB.Dialector.Name() != models.DriverSQLite {
		return l.DB.WithContext(ctx), func() {}
	}
	l.writing.Lock()
	return l.DB.WithContext(ctx), l.writing.Unlock
}

func (l *Log) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

func (l *Log) publish(keys []string) {
	if l.Pub != nil && len(keys) > 0 {
		l.Pub.Publish(keys...)
	}
}

// Message is a message to write; the log numbers it.
type Message struct {
	ToVisitor      bool
	SenderType     string
	SenderID       string
	SenderNickname string
	ControlType    string
	MediaType      string
	Content        string
	// ClientKey makes the write idempotent within the conversation.
	ClientKey string
	// InterIdx and SimQuestions are the robot's (spec 003 §5.1.1).
	InterIdx     int64
	SimQuestions string
	// Closing marks the notice that closes the conversation.
	Closing bool
	// RCType, when set, is the record's spec 004 type instead of the one
	// RCType derives (a call's notice is RC:InfoNtf).
	RCType string
}

// OpenKey is the value of a conversation's open_key while it is open.
func OpenKey(channelConfigID, userID string) string {
	return channelConfigID + ":" + userID
}

// Get returns a conversation's row.
func (l *Log) Get(ctx context.Context, id string) (models.Conversation, error) {
	c, err := readConversation(ctx, l.DB.Statement.ConnPool, id, "")
	if err != nil && !errors.Is(err, ErrNotFound) {
		return c, fmt.Errorf("read conversation %s: %w", id, err)
	}
	return c, err
}

// Latest returns the visitor's newest conversation on a channel, open or closed.
func (l *Log) Latest(ctx context.Context, channelConfigID, userID string) (models.Conversation, error) {
	var c models.Conversation
	err := l.latest(ctx, channelConfigID, userID, models.ConversationColumns, c.Fields())
	return c, err
}

// LatestMarks is Latest with only the columns a poll reads (id, phase,
// last_seq, delivered_seq, agent_typing_at; the rest are zero). The whole
// row, with its channel snapshot and eight times, cost an idle poll more
// than its read of the messages.
func (l *Log) LatestMarks(ctx context.Context, channelConfigID, userID string) (models.Conversation, error) {
	var c models.Conversation
	err := l.latest(ctx, channelConfigID, userID, "id, phase, last_seq, delivered_seq, agent_typing_at",
		[]any{&c.ID, &c.Phase, &c.LastSeq, &c.DeliveredSeq, &c.AgentTypingAt})
	return c, err
}

// latest reads columns of the visitor's newest conversation into fields.
// It is written out rather than built by GORM: every poll makes it.
func (l *Log) latest(ctx context.Context, channelConfigID, userID, columns string, fields []any) error {
	err := models.QueryOne(ctx, l.DB.Statement.ConnPool, fields,
		"SELECT "+columns+" FROM conversations WHERE channel_config_id = ? AND user_id = ? ORDER BY started_at DESC LIMIT 1",
		channelConfigID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read conversation of %s on %s: %w", userID, channelConfigID, err)
	}
	return nil
}

// lock reads a conversation row in a write transaction, locking it on MySQL
// (SQLite's write transactions already hold the database's one write lock).
func lock(tx *gorm.DB, id string) (models.Conversation, error) {
	suffix := ""
	if tx.Dialector.Name() == models.DriverMySQL {
		suffix = " FOR UPDATE"
	}
	return readConversation(tx.Statement.Context, tx.Statement.ConnPool, id, suffix)
}

// readConversation reads a whole conversation row through conn (the
// database's or a transaction's), suffix ending the statement.
func readConversation(ctx context.Context, conn gorm.ConnPool, id, suffix string) (models.Conversation, error) {
	c, err := models.ConversationByID(ctx, conn, id, suffix)
	if errors.Is(err, sql.ErrNoRows) {
		return models.Conversation{}, ErrNotFound
	}
	return c, err
}

// insert writes messages after the conversation's last seq and moves it on.
// The caller holds the row's lock; c is updated in place. The statement is
// written out rather than built by GORM: it runs with every message.
func insert(tx *gorm.DB, c *models.Conversation, msgs []Message, at time.Time) ([]models.ChatRecord, error) {
	rows := make([]models.ChatRecord, 0, len(msgs))
	for _, m := range msgs {
		c.LastSeq++
		rows = append(rows, record(c, m, at))
	}
	if len(rows) == 0 {
		return rows, nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO chat_records (" + recordColumns + ") VALUES ")
	args := make([]any, 0, len(rows)*recordColumnCount)
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(recordPlaceholders)
		args = append(args, recordValues(&rows[i])...)
	}
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q.String(), args...)
	if err != nil {
		return nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	// One statement's rows take consecutive ids: MySQL answers the first,
	// SQLite the last.
	if tx.Dialector.Name() != models.DriverMySQL {
		id -= int64(len(rows) - 1)
	}
	for i := range rows {
		rows[i].ID = uint64(id) + uint64(i)
	}
	return rows, nil
}

// The chat_records columns insert writes, and their values of a record.
const (
	recordColumns = "tenant_id, conversation_id, user_id, seq, direction, sender_type, sender_id, media_type, rc_type, " +
		"content, message_code, created_at, client_key, control_type, sender_nickname, phase, service_id, service_name, " +
		"skill_group_id, closing, inter_idx, sim_questions"
	recordColumnCount  = 22
	recordPlaceholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

// recordValues are r's values in the order of recordColumns.
func recordValues(r *models.ChatRecord) []any {
	return []any{r.TenantID, r.ConversationID, r.UserID, r.Seq, r.Direction, r.SenderType, r.SenderID, r.MediaType, r.RCType,
		r.Content, r.MessageCode, r.CreatedAt, r.ClientKey, r.ControlType, r.SenderNickname, r.Phase, r.ServiceID, r.ServiceName,
		r.SkillGroupID, r.Closing, r.InterIdx, r.SimQuestions}
}

// record is message m as the conversation's row c makes it: numbered, and
// stamped with who served the visitor at that moment (spec 001's push fields).
func record(c *models.Conversation, m Message, at time.Time) models.ChatRecord {
	dir := ToService
	if m.ToVisitor {
		dir = ToVisitor
	}
	r := models.ChatRecord{
		TenantID: c.TenantID, ConversationID: c.ID, UserID: c.UserID, Seq: c.LastSeq, Direction: dir,
		SenderType: m.SenderType, SenderID: m.SenderID, SenderNickname: m.SenderNickname,
		ControlType: m.ControlType, MediaType: m.MediaType, RCType: RCType(m.ControlType, m.MediaType),
		Content: m.Content, MessageCode: c.ID + "-" + strconv.FormatInt(c.LastSeq, 10), CreatedAt: at,
		Phase: c.Phase, ServiceID: c.AgentID, ServiceName: c.AgentName, SkillGroupID: c.SkillGroupID,
		Closing: m.Closing, InterIdx: m.InterIdx, SimQuestions: m.SimQuestions,
	}
	if m.RCType != "" {
		r.RCType = m.RCType
	}
	if r.SenderNickname == "" && m.SenderType == "AGENT" {
		r.SenderNickname = c.AgentName
	}
	if m.ClientKey != "" {
		k := m.ClientKey
		r.ClientKey = &k
	}
	return r
}

// RCType maps a message to spec 004's message type.
func RCType(controlType, mediaType string) string {
	switch controlType {
	case "CONNECT":
		return "RC:HsMsg"
	case "DISCONNECT":
		return "RC:SpMsg"
	}
	switch mediaType {
	case "IMAGE", "FILE_IMAGE":
		return "RC:ImgMsg"
	case "AUDIO":
		return "RC:VcMsg"
	case "LOCATE":
		return "RC:LBSMsg"
	case "VIDEO", "FILE_VIDEO", "FILE":
		// Spec 004 names no video or file type: its image-and-text
		// message is the rich one a record's reader shows as a link.
		return "RC:ImgTextMsg"
	default:
		return "RC:TxtMsg"
	}
}

// isDuplicate recognises a unique-key violation on either database.
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "Error 1062") || strings.Contains(s, "UNIQUE constraint failed")
}

func keysOf(c models.Conversation, rows []models.ChatRecord, agents []string) []string {
	var keys []string
	if len(rows) > 0 {
		keys = append(keys, ConversationKey(c.ID))
	}
	for _, a := range agents {
		keys = append(keys, AgentKey(a))
	}
	return keys
}
