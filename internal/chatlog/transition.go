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

// Transition is a change of a conversation's life that the conversation
// workflow decided: a new phase, the fields that go with it, the notices it
// says, and the agents' events it causes, written in one transaction.
type Transition struct {
	ConversationID string
	// Number is the workflow's count of its transitions: a transition whose
	// number the row has reached already applied (a retried activity), and
	// answers as applied without writing again.
	Number int64
	// FromPhases, when not empty, must hold the current phase.
	FromPhases []string
	// IdleSince, when set, requires that nothing happened after it: an idle
	// timeout acts only when the log agrees the conversation was idle.
	IdleSince *time.Time
	// Phase is the new phase; empty keeps the current one.
	Phase string
	Set   Fields
	// Messages are written before the phase changes, then Closing ones after.
	Messages []Message
	Events   []AgentEvent
}

// Fields are the conversation columns a transition may set; nil leaves one as it is.
type Fields struct {
	AgentID      *string
	AgentName    *string
	SkillGroupID *int64
	QueuedAt     *time.Time
	ClearQueued  bool
	AssignedAt   *time.Time
	EndedAt      *time.Time
	ClosedAt     *time.Time
	CloseReason  *string
	AgentJoined  *bool
}

// TransitionResult says whether the transition applied, and the conversation after it.
type TransitionResult struct {
	Applied bool
	Conv    models.Conversation
}

// Apply writes a transition unless its preconditions fail.
func (l *Log) Apply(ctx context.Context, t Transition) (TransitionResult, error) {
	var res TransitionResult
	var keys []string
	db, done := l.writer(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		c, err := lock(tx, t.ConversationID)
		if err != nil {
			return err
		}
		res.Conv = c
		if t.Number > 0 && c.Transition >= t.Number {
			res.Applied = true
			return nil
		}
		if len(t.FromPhases) > 0 && !slices.Contains(t.FromPhases, c.Phase) {
			return nil
		}
		if t.IdleSince != nil {
			last := c.StartedAt
			if c.LastActivity != nil {
				last = *c.LastActivity
			}
			if last.After(*t.IdleSince) {
				return nil
			}
		}
		now := l.now()
		var before, after []Message
		for _, m := range t.Messages {
			if m.Closing {
				after = append(after, m)
			} else {
				before = append(before, m)
			}
		}
		rows, err := insert(tx, &c, before, now)
		if err != nil {
			return err
		}
		t.Set.apply(&c)
		if t.Phase != "" && t.Phase != c.Phase {
			// A new phase starts its own idle clock.
			c.Phase, c.LastActivity = t.Phase, &now
		}
		if c.Phase == PhaseClosed {
			c.OpenKey = nil
		}
		more, err := insert(tx, &c, after, now)
		if err != nil {
			return err
		}
		rows = append(rows, more...)
		c.Transition = max(c.Transition, t.Number)
		c.UpdatedAt = now
		if err := tx.Save(&c).Error; err != nil {
			return err
		}
		var agents []string
		for _, e := range t.Events {
			if err := addEvent(tx, c.TenantID, e, now); err != nil {
				return err
			}
			agents = append(agents, e.AgentID)
		}
		keys = keysOf(c, rows, agents)
		res.Applied, res.Conv = true, c
		return nil
	})
	done()
	if errors.Is(err, ErrNotFound) {
		return res, err
	}
	if err != nil {
		return res, fmt.Errorf("transition of conversation %s: %w", t.ConversationID, err)
	}
	l.publish(keys)
	return res, nil
}

func (f Fields) apply(c *models.Conversation) {
	if f.AgentID != nil {
		c.AgentID = *f.AgentID
	}
	if f.AgentName != nil {
		c.AgentName = *f.AgentName
	}
	if f.SkillGroupID != nil {
		c.SkillGroupID = *f.SkillGroupID
	}
	if f.QueuedAt != nil {
		c.QueuedAt = f.QueuedAt
	}
	if f.ClearQueued {
		c.QueuedAt = nil
	}
	if f.AssignedAt != nil {
		c.AssignedAt = f.AssignedAt
	}
	if f.EndedAt != nil {
		c.EndedAt = f.EndedAt
	}
	if f.ClosedAt != nil {
		c.ClosedAt = f.ClosedAt
	}
	if f.CloseReason != nil {
		c.CloseReason = *f.CloseReason
	}
	if f.AgentJoined != nil {
		c.AgentJoined = *f.AgentJoined
	}
}

// Rate records the visitor's rating once, if an agent took part. It
// answers false when there is nothing to rate (no agent, or rated already).
func (l *Log) Rate(ctx context.Context, conversationID string, r models.SatisfactionRating) (bool, error) {
	ok := false
	db, done := l.writer(ctx)
	defer done()
	err := db.Transaction(func(tx *gorm.DB) error {
		c, err := lock(tx, conversationID)
		if err != nil {
			return err
		}
		if !c.AgentJoined || c.Rated {
			return nil
		}
		r.ConversationID, r.TenantID, r.ChannelConfigID, r.UserID, r.AgentID = c.ID, c.TenantID, c.ChannelConfigID, c.UserID, c.AgentID
		r.CreatedAt = l.now()
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		ok = true
		return tx.Model(&models.Conversation{}).Where("id = ?", c.ID).Update("rated", true).Error
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("rate conversation %s: %w", conversationID, err)
	}
	return ok, err
}
