package chatlog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// AppendRequest is a message for an open conversation.
type AppendRequest struct {
	ConversationID string
	// Phases are the phases that accept the message.
	Phases []string
	// AgentID, when set, must be the conversation's serving agent.
	AgentID string
	Message Message
	// Touch moves the conversation's last activity (idle timeouts read it).
	Touch bool
	// TellAgent adds a message event to the serving agent's feed.
	TellAgent bool
	// ServiceName stands in for the serving agent's name while none serves
	// (the robot's nickname in the robot phase).
	ServiceName string
	// RobotName is the service name of a message written while the robot serves.
	RobotName string
	// AskRobot marks a text question written while the robot serves as not
	// yet signalled to the workflow (RobotSignalled clears it; the sweep of
	// RobotUnsignalled signals what a failed signal left).
	AskRobot bool
	// Seen is the conversation as the caller last read it, if it did. On
	// MySQL, while the row still holds Seen's phase and serving agent, the
	// write takes its number with one statement instead of a locking read
	// and an update (see takeSeen); otherwise it reads the row as usual.
	Seen *models.Conversation
}

// AppendResult is the written message (or the first write of a repeated
// key, with Duplicate set) and the conversation as the write left it.
type AppendResult struct {
	Record    models.ChatRecord
	Conv      models.Conversation
	Duplicate bool
}

// Append writes one message if the conversation's phase accepts it. A
// repeated client key answers the first write, whatever the phase is now.
//
// A repeated key is looked up only once the write fails (on the unique key,
// or on a phase that no longer takes messages): retries are rare, and a
// look-up before every write cost each send a read.
func (l *Log) Append(ctx context.Context, r AppendRequest) (AppendResult, error) {
	var res AppendResult
	var agents []string
	var err error
	if l.DB.Dialector.Name() == models.DriverSQLite {
		res, agents, err = l.group(ctx, r)
	} else {
		err = l.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			res, agents, err = l.appendIn(tx, r)
			return err
		})
	}
	var pe *PhaseError
	refused := errors.As(err, &pe)
	if r.Message.ClientKey != "" && (refused || isDuplicate(err)) {
		first, found, ferr := l.findKey(ctx, r.ConversationID, r.Message.ClientKey)
		switch {
		case ferr != nil:
			return first, ferr
		case found:
			return first, nil
		}
	}
	if refused || errors.Is(err, ErrNotFound) {
		return res, err
	}
	if err != nil {
		return res, fmt.Errorf("append to conversation %s: %w", r.ConversationID, err)
	}
	l.publish(keysOf(res.Conv, []models.ChatRecord{res.Record}, agents))
	return res, nil
}

func (l *Log) findKey(ctx context.Context, convID, key string) (AppendResult, bool, error) {
	var rec models.ChatRecord
	err := l.DB.WithContext(ctx).Where("conversation_id = ? AND client_key = ?", convID, key).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return AppendResult{}, false, nil
	}
	if err != nil {
		return AppendResult{}, false, fmt.Errorf("look up message key: %w", err)
	}
	c, err := l.Get(ctx, convID)
	if err != nil {
		return AppendResult{}, false, err
	}
	return AppendResult{Record: rec, Conv: c, Duplicate: true}, true, nil
}

// appendIn is one Append inside a transaction. Every refusal comes before
// its first write, and a repeated key fails that first write: a group
// commit relies on it to go on with the other appends (see commitGroup).
// (takeSeen writes before the insert, but only on MySQL, where an append is
// its own transaction and never part of a group.)
func (l *Log) appendIn(tx *gorm.DB, r AppendRequest) (AppendResult, []string, error) {
	var res AppendResult
	var agents []string
	now := l.now()
	c, taken, err := takeSeen(tx, r, now)
	if err != nil {
		return res, nil, err
	}
	if !taken {
		if c, err = lock(tx, r.ConversationID); err != nil {
			return res, nil, err
		}
		if !slices.Contains(r.Phases, c.Phase) || (r.AgentID != "" && r.AgentID != c.AgentID) {
			return res, nil, &PhaseError{Conv: c}
		}
		// Stamped once the lock is held, after the writes it waited for.
		now = l.now()
	}
	agentName := c.AgentName
	if agentName == "" {
		// Stamps the record only: the robot serves, no agent.
		c.AgentName = r.ServiceName
		if c.Phase == PhaseRobot && r.RobotName != "" {
			c.AgentName = r.RobotName
		}
	}
	rows, err := insert(tx, &c, []Message{r.Message}, now)
	c.AgentName = agentName
	if err != nil {
		return res, nil, err
	}
	res.Record = rows[0]
	if r.Touch {
		c.LastActivity = &now
	}
	if !taken {
		// Written out, not built by GORM: it runs with every message.
		set, args := "last_seq = ?, updated_at = ?", []any{c.LastSeq, tx.NowFunc()}
		if r.Touch {
			set += ", last_activity = ?"
			args = append(args, now)
		}
		if r.AskRobot && c.Phase == PhaseRobot && res.Record.MediaType == "TEXT" {
			set += ", robot_unsignalled_seq = ?"
			args = append(args, res.Record.Seq)
			c.RobotUnsignalledSeq = res.Record.Seq
		}
		if _, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context,
			"UPDATE conversations SET "+set+" WHERE id = ?", append(args, c.ID)...); err != nil {
			return res, nil, err
		}
	}
	if r.TellAgent && c.Phase == PhaseAgent && c.AgentID != "" {
		if err := addEvent(tx, c.TenantID, AgentEvent{AgentID: c.AgentID, Type: EventMessage, ConversationID: c.ID, MessageSeq: res.Record.Seq}, now); err != nil {
			return res, nil, err
		}
		agents = append(agents, c.AgentID)
	}
	res.Conv = c
	return res, agents, nil
}

// takeSeen numbers a write on MySQL with one statement while the row still
// holds what the caller saw (r.Seen): its phase, serving agent, agent name
// and skill group, the fields a record is stamped with. The UPDATE locks the
// row as a locking read would, and LAST_INSERT_ID(expr) hands the new number
// back in its answer. taken is false, with nothing written, when there is no
// snapshot, the database is not MySQL, the snapshot refuses the write (the
// locking path then says why), a robot question must be marked, or the row
// moved on since: the caller then locks and reads the row itself.
//
// It returns the row as it stood before this write, as lock does.
func takeSeen(tx *gorm.DB, r AppendRequest, now time.Time) (c models.Conversation, taken bool, err error) {
	s := r.Seen
	if s == nil || tx.Dialector.Name() != models.DriverMySQL || s.ID != r.ConversationID ||
		!slices.Contains(r.Phases, s.Phase) || (r.AgentID != "" && r.AgentID != s.AgentID) ||
		(r.AskRobot && s.Phase == PhaseRobot) {
		return c, false, nil
	}
	set, args := "last_seq = LAST_INSERT_ID(last_seq + 1), updated_at = ?", []any{now}
	if r.Touch {
		set += ", last_activity = ?"
		args = append(args, now)
	}
	args = append(args, s.ID, s.Phase, s.AgentID, s.AgentName, s.SkillGroupID)
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, "UPDATE conversations SET "+set+
		" WHERE id = ? AND phase = ? AND agent_id = ? AND agent_name = ? AND skill_group_id = ?", args...)
	if err != nil {
		return c, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return c, false, err
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return c, false, err
	}
	c = *s
	c.LastSeq = seq - 1
	c.UpdatedAt = now
	return c, true, nil
}
