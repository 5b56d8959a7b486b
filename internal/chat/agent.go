package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// AgentSend is the serving agent's message to the visitor. Only the agent
// the conversation's row names, in the agent phase, may write: the check and
// the write are one transaction, so a close racing the send wins or loses
// whole. A repeated key answers the first write. seen is the conversation
// as the caller read it (at least its ID); the write checks it again.
func (s *Service) AgentSend(ctx context.Context, agentID string, seen models.Conversation, key, mediaType, content string) (models.ChatRecord, error) {
	conversationID := seen.ID
	if mediaType == "" {
		mediaType = "TEXT"
	}
	if key != "" {
		key = "agent:" + key
	}
	var fileKey string
	if files.IsFileMedia(mediaType) {
		conv, err := s.Log.Get(ctx, conversationID)
		if err != nil {
			return models.ChatRecord{}, err
		}
		if conv.AgentID != agentID {
			return models.ChatRecord{}, s.whyNotYours(ctx, agentID)
		}
		p := files.Party{Type: files.PartyAgent, TenantID: conv.TenantID, UserID: agentID}
		if content, fileKey, err = s.attach(ctx, p, conversationID, mediaType, content); err != nil {
			return models.ChatRecord{}, err
		}
	}
	res, err := s.Log.Append(ctx, chatlog.AppendRequest{
		ConversationID: conversationID, Phases: []string{chatlog.PhaseAgent}, AgentID: agentID, Touch: true, Seen: &seen,
		Message: chatlog.Message{
			ToVisitor: true, SenderType: string(conversation.SourceAgent), SenderID: agentID,
			ControlType: string(conversation.ControlChat), MediaType: mediaType, Content: content, ClientKey: key,
		},
	})
	var pe *chatlog.PhaseError
	if errors.As(err, &pe) {
		return models.ChatRecord{}, s.whyNotYours(ctx, agentID)
	}
	if err == nil {
		s.referenced(ctx, fileKey, res.Record.Seq)
	}
	return res.Record, err
}

// ErrTakenOffline is ErrNotYours for an agent the presence sweep took
// offline: it says why, since an agent answering by hand rarely guesses.
var ErrTakenOffline = fmt.Errorf("%w: you were taken offline after %.0f minutes without reading events (GET /events); set your status to READY again",
	ErrNotYours, routing.PresenceTimeout.Minutes())

// whyNotYours tells an agent taken offline for not reading their events
// from any other agent the conversation is not theirs (any more).
func (s *Service) whyNotYours(ctx context.Context, agentID string) error {
	var feed models.AgentFeed
	err := s.Log.DB.WithContext(ctx).Where("agent_id = ?", agentID).Take(&feed).Error
	if err == nil && feed.Status == "OFFLINE" && (feed.LastSeen == nil || time.Since(*feed.LastSeen) >= routing.PresenceTimeout) {
		return ErrTakenOffline
	}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		s.Logger.Warn("agent's presence not read", "agent", agentID, "error", err)
	}
	return ErrNotYours
}

// maxEventsPage bounds one read of an agent's events.
const maxEventsPage = 500

// AgentEvents reads the agent's events after cursor, waiting up to wait for
// one; reading counts as the agent being present.
func (s *Service) AgentEvents(ctx context.Context, tenantID, agentID string, cursor int64, wait time.Duration) ([]models.AgentEvent, int64, error) {
	if err := s.Log.SeeAgent(ctx, tenantID, agentID); err != nil {
		return nil, cursor, err
	}
	var events []models.AgentEvent
	read := func(ctx context.Context) (bool, error) {
		var err error
		events, err = s.Log.AgentEvents(ctx, agentID, cursor, maxEventsPage)
		return len(events) > 0, err
	}
	// Wait makes the first read itself, after subscribing (see Poll).
	if _, err := s.Wait.Wait(ctx, chatlog.AgentKey(agentID), wait, read); err != nil {
		return nil, cursor, err
	}
	if n := len(events); n > 0 {
		cursor = max(cursor, events[n-1].Seq)
	}
	return events, cursor, nil
}

// AgentStatus records an agent's new presence and writes it to their feed.
func (s *Service) AgentStatus(ctx context.Context, tenantID, agentID, status string) error {
	return s.Log.SetAgentStatus(ctx, tenantID, agentID, status)
}

// presenceEvery is how often the sweep looks for agents who stopped reading.
const presenceEvery = 20 * time.Second

// Agents' events are kept a week (a console that falls further behind
// reloads its conversations); the same sweep deletes older ones hourly.
const (
	keepAgentEvents = 7 * 24 * time.Hour
	pruneEvery      = time.Hour
)

// SweepPresence takes agents who have not read their events for
// routing.PresenceTimeout offline until ctx ends: their feed says so and
// routing puts their conversations back in the queue. It reads one indexed
// query per sweep and writes nothing while everyone is present, so idle
// agents cost no workflow history. Once an hour it also prunes old agent events.
func (s *Service) SweepPresence(ctx context.Context) {
	t := time.NewTicker(presenceEvery)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(pruned) >= pruneEvery {
			pruned = time.Now()
			if _, err := s.Log.PruneAgentEvents(ctx, pruned.Add(-keepAgentEvents)); err != nil {
				s.Logger.Warn("prune agent events", "error", err)
			}
		}
		stale, err := s.Log.TakeAwayStale(ctx, time.Now().Add(-routing.PresenceTimeout))
		if err != nil {
			s.Logger.Warn("presence sweep", "error", err)
		}
		for _, a := range stale {
			if err := s.Flows.AgentAway(ctx, a.TenantID, a.AgentID); err != nil {
				s.Logger.Warn("routing not told of an absent agent", "agent", a.AgentID, "error", err)
			}
		}
	}
}
