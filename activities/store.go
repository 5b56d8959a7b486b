// Package activities holds the side effects the workflows run: database
// writes now, and the robot, webhook pushes and files as they come.
package activities

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/models"
)

// Store writes conversations and their messages. Workflows call its methods
// through a nil *Store; the worker registers a real one.
type Store struct {
	DB *gorm.DB
}

// ConversationRecord is a conversation's row as the workflow sees it.
type ConversationRecord struct {
	ID              string
	WorkflowID      string
	TenantID        string
	ChannelConfigID string
	UserID          string
	UserName        string
	Phase           string
	SkillGroupID    int64
	AgentID         string
	StartedAt       time.Time
	QueuedAt        *time.Time
	AssignedAt      *time.Time
	EndedAt         *time.Time
	ClosedAt        *time.Time
	CloseReason     string
}

// MessageRecord is one message to keep in the chat records.
type MessageRecord struct {
	TenantID       string
	ConversationID string
	UserID         string
	Seq            int64
	ToVisitor      bool
	SenderType     string
	SenderID       string
	ControlType    string
	MediaType      string
	Content        string
	MessageCode    string
	At             time.Time
}

// RatingRecord is a visitor's satisfaction rating of a conversation.
type RatingRecord struct {
	ConversationID  string
	TenantID        string
	ChannelConfigID string
	UserID          string
	AgentID         string
	Evaluation      int
	Comment         string
	At              time.Time
}

// PersistBatch is what a workflow has not yet written: the latest state of
// its conversation rows, a rating, and the messages since the last successful write.
type PersistBatch struct {
	// Conversations holds the latest state of each changed row, oldest first:
	// more than one when a run closed a conversation and opened the next.
	Conversations []ConversationRecord
	Rating        *RatingRecord
	Messages      []MessageRecord
}

// Persist writes a batch in one transaction. It is idempotent: the row is an
// upsert on its id and messages are inserted once per messageCode, so a
// retried or repeated batch changes nothing the second time.
func (s *Store) Persist(ctx context.Context, b PersistBatch) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, c := range b.Conversations {
			row := conversationRow(c)
			err := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "id"}},
				DoUpdates: clause.AssignmentColumns([]string{
					"phase", "skill_group_id", "agent_id", "queued_at", "assigned_at",
					"ended_at", "closed_at", "close_reason", "updated_at",
				}),
			}).Create(&row).Error
			if err != nil {
				return fmt.Errorf("save conversation %s: %w", row.ID, err)
			}
		}
		if r := b.Rating; r != nil {
			row := models.SatisfactionRating{
				ConversationID: r.ConversationID, TenantID: r.TenantID, ChannelConfigID: r.ChannelConfigID,
				UserID: r.UserID, AgentID: r.AgentID, Evaluation: r.Evaluation, Comment: r.Comment, CreatedAt: r.At,
			}
			err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "conversation_id"}}, DoNothing: true}).
				Create(&row).Error
			if err != nil {
				return fmt.Errorf("save rating of %s: %w", r.ConversationID, err)
			}
		}
		if len(b.Messages) == 0 {
			return nil
		}
		rows := make([]models.ChatRecord, len(b.Messages))
		for i, m := range b.Messages {
			rows[i] = chatRow(m)
		}
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "message_code"}}, DoNothing: true}).
			Create(&rows).Error
		if err != nil {
			return fmt.Errorf("save %d messages: %w", len(rows), err)
		}
		return nil
	})
}

func conversationRow(c ConversationRecord) models.Conversation {
	return models.Conversation{
		ID: c.ID, WorkflowID: c.WorkflowID, TenantID: c.TenantID, ChannelConfigID: c.ChannelConfigID,
		UserID: c.UserID, UserName: c.UserName, Phase: c.Phase, SkillGroupID: c.SkillGroupID,
		AgentID: c.AgentID, StartedAt: c.StartedAt, QueuedAt: c.QueuedAt, AssignedAt: c.AssignedAt,
		EndedAt: c.EndedAt, ClosedAt: c.ClosedAt, CloseReason: c.CloseReason,
	}
}

func chatRow(m MessageRecord) models.ChatRecord {
	direction := "to_service"
	if m.ToVisitor {
		direction = "to_visiter"
	}
	return models.ChatRecord{
		TenantID: m.TenantID, ConversationID: m.ConversationID, UserID: m.UserID, Seq: m.Seq,
		Direction: direction, SenderType: m.SenderType, SenderID: m.SenderID, MediaType: m.MediaType,
		RCType: RCType(m.ControlType, m.MediaType), Content: m.Content, MessageCode: m.MessageCode,
		CreatedAt: m.At,
	}
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
	default:
		return "RC:TxtMsg"
	}
}
