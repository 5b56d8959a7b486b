// Package calls holds click-to-call's records and operations: the call rows
// the call workflow writes step by step, the visitor's call events, the
// WebRTC offer and answer ccflow relays between the two browsers, and each
// channel's click-to-call settings.
package calls

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
)

// ErrNotFound is a call (or a channel's settings) that does not exist.
var ErrNotFound = errors.New("call not found")

// Key is the notifier key of a call: its events and its signalling wake on it.
func Key(callID string) string { return "call:" + callID }

// Store reads and writes the call records.
type Store struct {
	DB *gorm.DB
	// Log writes a call's notices into its conversation and tells agents.
	Log *chatlog.Log
	// Pub wakes the long-polls of a call; nil wakes none (they poll).
	Pub chatlog.Publisher
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Store) publish(callID string) {
	if s.Pub != nil {
		s.Pub.Publish(Key(callID))
	}
}

// Event is an event for the visitor (getClickToCallEvents).
type Event struct {
	EventID   string
	Desc      string
	CauseID   string
	CauseDesc string
}

// Notice is a system line a step writes into the call's conversation; its
// chat record is RC:InfoNtf.
type Notice struct {
	Content    string
	SenderName string
}

// Step is one change of a call the workflow decided, written at once.
type Step struct {
	CallID string
	// Number is the workflow's count of its steps: a step whose number the
	// row has reached already applied (a retried activity).
	Number int64
	State  string
	// At is when the step happened (workflow time).
	At        time.Time
	AgentID   string
	EndReason string
	// Ended clears the access code and stamps the end and duration.
	Ended bool
	Event *Event
	// TellAgent, when set, gets a "call" event in their feed.
	TellAgent string
	Notice    *Notice
}

// Create writes a requested call.
func (s *Store) Create(ctx context.Context, c models.ClickToCall) error {
	now := s.now()
	c.CreatedAt, c.UpdatedAt = now, now
	if err := s.DB.WithContext(ctx).Create(&c).Error; err != nil {
		return fmt.Errorf("create call %s: %w", c.CallID, err)
	}
	return nil
}

// Get returns a call's row.
func (s *Store) Get(ctx context.Context, callID string) (models.ClickToCall, error) {
	return models.Take[models.ClickToCall](ctx, s.DB, ErrNotFound, "call "+callID, "call_id = ?", callID)
}

// ByAccessCode returns the live call an access code opens.
func (s *Store) ByAccessCode(ctx context.Context, code string) (models.ClickToCall, error) {
	return models.Take[models.ClickToCall](ctx, s.DB, ErrNotFound, "call", "access_code = ?", code)
}

// Latest returns the visitor's latest call on a channel.
func (s *Store) Latest(ctx context.Context, channelID, userID string) (models.ClickToCall, error) {
	var c models.ClickToCall
	err := s.DB.WithContext(ctx).Where("channel_config_id = ? AND user_id = ?", channelID, userID).
		Order("created_at DESC").Limit(1).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read calls of %s: %w", userID, err)
	}
	return c, nil
}

// OfAgent lists the agent's calls that have not ended, oldest first.
func (s *Store) OfAgent(ctx context.Context, agentID string) ([]models.ClickToCall, error) {
	var out []models.ClickToCall
	err := s.DB.WithContext(ctx).Where("agent_id = ? AND ended_at IS NULL AND state IN ?", agentID, []string{"RINGING", "CONNECTED"}).
		Order("created_at").Limit(20).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read calls of agent %s: %w", agentID, err)
	}
	return out, nil
}

// Apply writes a step unless it applied already. The notice and the agent's
// event come first and are at-least-once (the notice is keyed, so it is
// written once; a console treats a repeated call event as a reload); the
// row and the visitor's event then apply once, in one transaction.
func (s *Store) Apply(ctx context.Context, st Step) error {
	cur, err := s.Get(ctx, st.CallID)
	if err != nil {
		return err
	}
	if cur.Step >= st.Number {
		return nil
	}
	if st.Notice != nil && cur.ConversationID != "" && s.Log != nil {
		if err := s.notice(ctx, cur, st); err != nil {
			return err
		}
	}
	if st.TellAgent != "" && s.Log != nil {
		err := s.Log.AddAgentEvents(ctx, cur.TenantID, chatlog.AgentEvent{
			AgentID: st.TellAgent, Type: chatlog.EventCall, ConversationID: cur.ConversationID,
			Payload: chatlog.EventPayload{Status: st.State, CallID: st.CallID},
		})
		if err != nil {
			return err
		}
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx
		if tx.Dialector.Name() == models.DriverMySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var c models.ClickToCall
		if err := q.Where("call_id = ?", st.CallID).Take(&c).Error; err != nil {
			return err
		}
		if c.Step >= st.Number {
			return nil
		}
		at := st.At.UTC()
		c.Step, c.State, c.UpdatedAt = st.Number, st.State, s.now()
		if st.AgentID != "" {
			c.AgentID = st.AgentID
		}
		switch st.State {
		case "QUEUING":
			if c.QueuedAt == nil {
				c.QueuedAt = &at
			}
		case "RINGING":
			c.RingingAt = &at
		case "CONNECTED":
			c.ConnectedAt = &at
		}
		if st.Ended {
			c.EndedAt, c.AccessCode, c.EndReason = &at, nil, st.EndReason
			if c.ConnectedAt != nil {
				c.DurationSec = int64(at.Sub(*c.ConnectedAt) / time.Second)
			}
		}
		if st.Event != nil {
			c.LastEvent++
			ev := models.ClickToCallEvent{
				CallID: c.CallID, Seq: c.LastEvent, EventID: st.Event.EventID, ResultDesc: st.Event.Desc,
				CauseID: st.Event.CauseID, CauseDesc: st.Event.CauseDesc, CreatedAt: c.UpdatedAt,
			}
			if err := tx.Create(&ev).Error; err != nil {
				return err
			}
		}
		return tx.Save(&c).Error
	})
	if err != nil {
		return fmt.Errorf("step %d of call %s: %w", st.Number, st.CallID, err)
	}
	s.publish(st.CallID)
	return nil
}

// notice writes the step's line into the conversation, once (keyed by call
// and step); a conversation that closed meanwhile takes none.
func (s *Store) notice(ctx context.Context, c models.ClickToCall, st Step) error {
	_, err := s.Log.Append(ctx, chatlog.AppendRequest{
		ConversationID: c.ConversationID,
		Phases:         []string{chatlog.PhaseRobot, chatlog.PhaseQueued, chatlog.PhaseAgent, chatlog.PhaseSatisfaction},
		Message: chatlog.Message{
			ToVisitor: true, SenderType: "SYSTEM", SenderID: c.ChannelConfigID, SenderNickname: st.Notice.SenderName,
			ControlType: "CHAT", MediaType: "TEXT", Content: st.Notice.Content, RCType: "RC:InfoNtf",
			ClientKey: fmt.Sprintf("call:%s:%d", c.CallID, st.Number),
		},
		TellAgent: true,
	})
	var pe *chatlog.PhaseError
	if errors.As(err, &pe) || errors.Is(err, chatlog.ErrNotFound) {
		return nil
	}
	return err
}

// NextEvent hands out the call's next undelivered event, once, and marks
// it delivered; ok is false when there is none.
func (s *Store) NextEvent(ctx context.Context, callID string) (models.ClickToCallEvent, bool, error) {
	var ev models.ClickToCallEvent
	var ok bool
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c models.ClickToCall
		q := tx
		if tx.Dialector.Name() == models.DriverMySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Where("call_id = ?", callID).Take(&c).Error; err != nil {
			return err
		}
		if c.EventsDelivered >= c.LastEvent {
			return nil
		}
		if err := tx.Where("call_id = ? AND seq > ?", callID, c.EventsDelivered).Order("seq").Take(&ev).Error; err != nil {
			return err
		}
		ok = true
		return tx.Model(&models.ClickToCall{}).Where("call_id = ?", callID).Update("events_delivered", ev.Seq).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ev, false, ErrNotFound
	}
	if err != nil {
		return ev, false, fmt.Errorf("next event of call %s: %w", callID, err)
	}
	return ev, ok, nil
}

// Events lists a call's events, oldest first (for tests and the console).
func (s *Store) Events(ctx context.Context, callID string) ([]models.ClickToCallEvent, error) {
	var out []models.ClickToCallEvent
	if err := s.DB.WithContext(ctx).Where("call_id = ?", callID).Order("seq").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("events of call %s: %w", callID, err)
	}
	return out, nil
}

// SetOffer stores the caller's session description once; a second offer
// for the same call is refused (false).
func (s *Store) SetOffer(ctx context.Context, callID, sdp string) (bool, error) {
	res := s.DB.WithContext(ctx).Model(&models.ClickToCall{}).
		Where("call_id = ? AND offer_sdp IS NULL AND ended_at IS NULL", callID).
		Updates(map[string]any{"offer_sdp": sdp, "updated_at": s.now()})
	if res.Error != nil {
		return false, fmt.Errorf("offer of call %s: %w", callID, res.Error)
	}
	s.publish(callID)
	return res.RowsAffected == 1, nil
}

// SetAnswer stores the agent's session description once, after the offer.
func (s *Store) SetAnswer(ctx context.Context, callID, sdp string) (bool, error) {
	res := s.DB.WithContext(ctx).Model(&models.ClickToCall{}).
		Where("call_id = ? AND offer_sdp IS NOT NULL AND answer_sdp IS NULL AND ended_at IS NULL", callID).
		Updates(map[string]any{"answer_sdp": sdp, "updated_at": s.now()})
	if res.Error != nil {
		return false, fmt.Errorf("answer of call %s: %w", callID, res.Error)
	}
	s.publish(callID)
	return res.RowsAffected == 1, nil
}

// Abandon ends a call that never began (its conversation refused it).
func (s *Store) Abandon(ctx context.Context, callID, reason string) error {
	now := s.now()
	if len(reason) > 32 {
		reason = reason[:32]
	}
	err := s.DB.WithContext(ctx).Model(&models.ClickToCall{}).Where("call_id = ? AND step = 0", callID).
		Updates(map[string]any{"state": "FAILED", "ended_at": now, "access_code": nil, "end_reason": reason, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("abandon call %s: %w", callID, err)
	}
	return nil
}
