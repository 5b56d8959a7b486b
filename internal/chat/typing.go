package chat

import (
	"context"
	"errors"
	"time"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// TypingFresh is how long after the agent's last keystroke mark the
// visitor's poll still says the agent is typing; the console marks every
// few seconds while its agent types, so a pause longer than this ends it.
const TypingFresh = 5 * time.Second

// AgentTyping tells the visitor that the serving agent is typing. Like a
// message, only the agent serving the conversation may.
func (s *Service) AgentTyping(ctx context.Context, agentID, conversationID string) error {
	err := s.Log.AgentTyping(ctx, conversationID, agentID)
	var pe *chatlog.PhaseError
	if errors.As(err, &pe) {
		return s.whyNotYours(ctx, agentID)
	}
	return err
}

// typingWatch follows a conversation's typing mark through one poll: a
// poll answers early for a mark newer than the one it started with, and
// its answer says whether the agent is typing.
type typingWatch struct {
	log    *chatlog.Log
	convID string
	// on is false outside the agent phase, where nobody types to the visitor.
	on    bool
	start *time.Time
	mark  *time.Time
	// reads counts changed's calls: the first comes right after the
	// conversation row was read, whose mark is as new as a re-read's.
	reads int
}

func newTypingWatch(l *chatlog.Log, c models.Conversation) *typingWatch {
	return &typingWatch{log: l, convID: c.ID, on: c.Phase == chatlog.PhaseAgent, start: c.AgentTypingAt, mark: c.AgentTypingAt}
}

// changed re-reads the mark and tells whether the agent typed since the poll began.
func (w *typingWatch) changed(ctx context.Context) (bool, error) {
	w.reads++
	if !w.on || w.reads == 1 {
		return false, nil
	}
	mark, err := w.log.AgentTypingAt(ctx, w.convID)
	if err != nil {
		return false, err
	}
	w.mark = mark
	return mark != nil && (w.start == nil || mark.After(*w.start)), nil
}

// typing tells the poll's answer whether the agent is typing now: a fresh
// mark that no agent message in the answer came after.
func (w *typingWatch) typing(now time.Time, msgs []models.ChatRecord) bool {
	if !w.on || w.mark == nil || now.Sub(*w.mark) >= TypingFresh {
		return false
	}
	for _, m := range msgs {
		if m.SenderType == string(conversation.SourceAgent) && !m.CreatedAt.Before(*w.mark) {
			return false
		}
	}
	return true
}
