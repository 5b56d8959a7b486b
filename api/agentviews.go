package api

import (
	"encoding/json"
	"time"

	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// The agent API's JSON shapes.

type agentProfile struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Username    string  `json:"username"`
	TenantID    string  `json:"tenantId"`
	Capacity    int     `json:"capacity"`
	SkillGroups []int64 `json:"skillGroups"`
	// Role is "agent" or "supervisor"; a supervisor's console links to the live view.
	Role string `json:"role"`
}

type agentStateView struct {
	Agent         agentProfile       `json:"agent"`
	Status        routing.Status     `json:"status"`
	Since         *time.Time         `json:"since,omitempty"`
	Load          int                `json:"load"`
	Conversations []conversationView `json:"conversations"`
}

type conversationView struct {
	ID              string     `json:"id"`
	UserID          string     `json:"userId"`
	UserName        string     `json:"userName"`
	Phase           string     `json:"phase"`
	SkillGroupID    int64      `json:"skillGroupId"`
	AgentID         string     `json:"agentId"`
	ChannelConfigID string     `json:"channelConfigId,omitempty"`
	FromAgentID     string     `json:"fromAgentId,omitempty"`
	QueuedAt        *time.Time `json:"queuedAt,omitempty"`
	AssignedAt      *time.Time `json:"assignedAt,omitempty"`
	ClosedAt        *time.Time `json:"closedAt,omitempty"`
	CloseReason     string     `json:"closeReason,omitempty"`
	// ProductCard is the product the visitor came about: a JSON object the
	// visitor entry validated; consoles show it as text only.
	ProductCard json.RawMessage `json:"productCard,omitempty"`
	// DeliveredSeq is the visitor's poll delivery mark: messages to the
	// visitor up to this seq reached the visitor's page. Only views read
	// from the conversation's record carry it.
	DeliveredSeq *int64 `json:"deliveredSeq,omitempty"`
}

type messageView struct {
	Seq         int64     `json:"seq"`
	MessageCode string    `json:"messageCode"`
	Direction   string    `json:"direction"`
	SenderType  string    `json:"senderType"`
	SenderID    string    `json:"senderId"`
	MediaType   string    `json:"mediaType"`
	Content     string    `json:"content"`
	At          time.Time `json:"at"`
}

type eventView struct {
	Seq            int64             `json:"seq"`
	Type           string            `json:"type"`
	ConversationID string            `json:"conversationId,omitempty"`
	At             time.Time         `json:"at"`
	Message        *messageView      `json:"message,omitempty"`
	Conversation   *conversationView `json:"conversation,omitempty"`
	Status         string            `json:"status,omitempty"`
	// Note is a supervisor's whisper (type "whisper").
	Note *noteView `json:"note,omitempty"`
	// CallID names the call of a "call" event (status is its state).
	CallID string `json:"callId,omitempty"`
}

type waitingView struct {
	ConversationID string `json:"conversationId"`
	UserID         string `json:"userId"`
	UserName       string `json:"userName"`
	Position       int    `json:"position"`
	WaitSeconds    int    `json:"waitSeconds"`
	FromAgentID    string `json:"fromAgentId,omitempty"`
	TargetAgentID  string `json:"targetAgentId,omitempty"`
}

type queueView struct {
	ID                  int64         `json:"id"`
	Name                string        `json:"name"`
	Waiting             []waitingView `json:"waiting"`
	ReadyAgents         int           `json:"readyAgents"`
	EstimateWaitSeconds int           `json:"estimateWaitSeconds"`
}

// Direction names, as spec 001 spells them.
const (
	toVisitor = "to_visiter"
	toService = "to_service"
)

func profileOf(a agents.Agent) agentProfile {
	return agentProfile{ID: a.ID, Name: a.Nickname, Username: a.Username, TenantID: a.TenantID, Capacity: a.Capacity, SkillGroups: a.SkillGroups, Role: a.Role}
}

func stateOf(p agentProfile, a routing.Agent) agentStateView {
	v := agentStateView{Agent: p, Status: a.Status, Load: len(a.Conversations), Conversations: []conversationView{}}
	if !a.Since.IsZero() {
		v.Since = &a.Since
	}
	for _, h := range a.Conversations {
		v.Conversations = append(v.Conversations, heldView(a.ID, h))
	}
	return v
}

func heldView(agentID string, h routing.Held) conversationView {
	return conversationView{
		ID: h.ConversationID, UserID: h.UserID, UserName: h.UserName, Phase: string(conversation.PhaseAgent),
		SkillGroupID: h.SkillGroupID, AgentID: agentID, QueuedAt: &h.QueuedAt, AssignedAt: &h.AssignedAt,
	}
}

func recordView(c models.Conversation) conversationView {
	return conversationView{
		ID: c.ID, UserID: c.UserID, UserName: c.UserName, Phase: c.Phase, SkillGroupID: c.SkillGroupID,
		AgentID: c.AgentID, ChannelConfigID: c.ChannelConfigID, QueuedAt: c.QueuedAt, AssignedAt: c.AssignedAt,
		ClosedAt: c.ClosedAt, CloseReason: c.CloseReason, ProductCard: card(c.ProductCard), DeliveredSeq: &c.DeliveredSeq,
	}
}

func chatView(r models.ChatRecord) messageView {
	return messageView{
		Seq: r.Seq, MessageCode: r.MessageCode, Direction: r.Direction, SenderType: r.SenderType,
		SenderID: r.SenderID, MediaType: r.MediaType, Content: r.Content, At: r.CreatedAt,
	}
}

// card is a stored product card as raw JSON, nil when there is none.
func card(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}
