package supervise

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// MaxNoteChars bounds a whisper.
const MaxNoteChars = 2000

var (
	// ErrNoConversation is a conversation that does not exist in the tenant.
	ErrNoConversation = errors.New("no such conversation in this tenant")
	// ErrNotServed is a conversation no agent serves now (it waits, is with
	// the robot, or has ended): there is nobody to whisper to.
	ErrNotServed = errors.New("no agent serves this conversation now (it has ended or waits): nothing was sent")
	// ErrNoNote is a whisper that does not exist for the agent asking.
	ErrNoNote = errors.New("no such whisper")
	// ErrBadNote is an empty or too long whisper.
	ErrBadNote = fmt.Errorf("content must be 1 to %d characters", MaxNoteChars)
)

// Whisper stores a supervisor's note for the agent serving a conversation
// of the tenant now, and answers it; the caller puts a "whisper" event on
// that agent's feed. The visitor never sees it.
func (s *Store) Whisper(ctx context.Context, tenantID, conversationID, fromID, fromName, content string) (models.SupervisorNote, error) {
	content = strings.TrimSpace(content)
	if content == "" || utf8.RuneCountInString(content) > MaxNoteChars {
		return models.SupervisorNote{}, ErrBadNote
	}
	var c models.Conversation
	err := s.DB.WithContext(ctx).Select("id", "phase", "agent_id").
		Where("id = ? AND tenant_id = ?", conversationID, tenantID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.SupervisorNote{}, ErrNoConversation
	}
	if err != nil {
		return models.SupervisorNote{}, fmt.Errorf("conversation %q: %w", conversationID, err)
	}
	if c.Phase != phaseAgent || c.AgentID == "" {
		return models.SupervisorNote{}, ErrNotServed
	}
	n := models.SupervisorNote{
		TenantID: tenantID, ConversationID: c.ID, AgentID: c.AgentID, FromAgentID: fromID, FromName: fromName,
		Content: content, CreatedAt: s.now(),
	}
	if err := s.DB.WithContext(ctx).Create(&n).Error; err != nil {
		return models.SupervisorNote{}, fmt.Errorf("whisper on %q: %w", conversationID, err)
	}
	return n, nil
}

// MaxNotes bounds the whispers one read lists.
const MaxNotes = 200

// Notes lists the whispers an agent got on a conversation, oldest first.
func (s *Store) Notes(ctx context.Context, agentID, conversationID string) ([]models.SupervisorNote, error) {
	var out []models.SupervisorNote
	err := s.DB.WithContext(ctx).Where("conversation_id = ? AND agent_id = ?", conversationID, agentID).
		Order("id").Limit(MaxNotes).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("whispers on %q: %w", conversationID, err)
	}
	return out, nil
}

// Note reads one whisper for the agent it was for.
func (s *Store) Note(ctx context.Context, agentID string, id uint64) (models.SupervisorNote, error) {
	var n models.SupervisorNote
	err := s.DB.WithContext(ctx).Where("id = ? AND agent_id = ?", id, agentID).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return n, fmt.Errorf("whisper %d: %w", id, ErrNoNote)
	}
	if err != nil {
		return n, fmt.Errorf("whisper %d: %w", id, err)
	}
	return n, nil
}
