package chatlog

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// NewConversation is a conversation the API opens at a visitor's CONNECT,
// with its first messages (the CONNECT and the greeting).
type NewConversation struct {
	ID              string
	WorkflowID      string
	TenantID        string
	ChannelConfigID string
	UserID          string
	UserName        string
	Phase           string
	SkillGroupID    int64
	QueuedAt        *time.Time
	ProductCard     string
	// Settings is the channel snapshot the conversation runs with, as JSON.
	Settings string
	// RobotName is the service name of the first messages when the robot serves.
	RobotName string
	Messages  []Message
}

// Open creates the conversation unless the visitor already has an open one
// on the channel, which it returns instead (created false) without writing.
// The unique open_key settles two CONNECTs racing on different replicas.
func (l *Log) Open(ctx context.Context, n NewConversation) (models.Conversation, bool, error) {
	key := OpenKey(n.ChannelConfigID, n.UserID)
	for attempt := 0; attempt < 3; attempt++ {
		var open models.Conversation
		err := l.DB.WithContext(ctx).Where("open_key = ?", key).Take(&open).Error
		if err == nil {
			return open, false, nil
		}
		if err != gorm.ErrRecordNotFound {
			return open, false, fmt.Errorf("read open conversation: %w", err)
		}
		c, err := l.create(ctx, n, key)
		if isDuplicate(err) {
			continue
		}
		if err != nil {
			return c, false, err
		}
		l.publish([]string{ConversationKey(c.ID)})
		return c, true, nil
	}
	return models.Conversation{}, false, fmt.Errorf("open conversation for %s: kept racing another CONNECT", n.UserID)
}

func (l *Log) create(ctx context.Context, n NewConversation, key string) (models.Conversation, error) {
	now := l.now()
	c := models.Conversation{
		ID: n.ID, WorkflowID: n.WorkflowID, TenantID: n.TenantID, ChannelConfigID: n.ChannelConfigID,
		UserID: n.UserID, UserName: n.UserName, Phase: n.Phase, SkillGroupID: n.SkillGroupID,
		StartedAt: now, QueuedAt: n.QueuedAt, UpdatedAt: now, OpenKey: &key, LastActivity: &now,
		ProductCard: n.ProductCard, Settings: n.Settings,
	}
	if c.Phase == PhaseClosed {
		c.OpenKey, c.ClosedAt, c.EndedAt = nil, &now, &now
	}
	db, done := l.writer(ctx)
	defer done()
	err := db.Transaction(func(tx *gorm.DB) error {
		msgs := n.Messages
		c.LastSeq = int64(len(msgs))
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		c.LastSeq = 0
		if c.Phase == PhaseRobot {
			c.AgentName = n.RobotName // stamps the records only
		}
		_, err := insert(tx, &c, msgs, now)
		c.AgentName = ""
		return err
	})
	if err != nil {
		return c, fmt.Errorf("create conversation: %w", err)
	}
	return c, nil
}

// Unstarted lists conversations whose workflow was not yet confirmed started
// and that began before a moment: a starter that died left them behind.
func (l *Log) Unstarted(ctx context.Context, before time.Time, limit int) ([]string, error) {
	var ids []string
	err := l.DB.WithContext(ctx).Model(&models.Conversation{}).
		Where("workflow_started = ? AND started_at < ?", false, before).
		Order("started_at").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list unstarted conversations: %w", err)
	}
	return ids, nil
}

// MarkStarted records that a conversation's workflow runs.
func (l *Log) MarkStarted(ctx context.Context, id string) error {
	err := l.DB.WithContext(ctx).Model(&models.Conversation{}).Where("id = ?", id).
		Update("workflow_started", true).Error
	if err != nil {
		return fmt.Errorf("mark workflow of %s started: %w", id, err)
	}
	return nil
}
