// Package agentdesk is an agent's event feed: one workflow per agent that
// collects what happens in the agent's conversations (assignments, customer
// messages and typing, transfers, closes) and hands it to the agent console
// as a long-poll with a cursor.
//
// A workflow per agent, not the routing entity, carries these events: every
// customer message of every conversation passes through here, and spreading
// that load over agents keeps routing's history to queue changes only.
//
// This file is the workflow's contract; nothing else spells these names.
package agentdesk

import "time"

// Names of the workflow, its signal and its update.
const (
	WorkflowName = "AgentDesk"
	// SignalEvent adds an event to the feed.
	SignalEvent = "event"
	// UpdatePoll returns the events after a cursor, waiting for one when asked to.
	UpdatePoll = "poll"
	// SignalAgentAway is what the feed sends the agent's routing workflow
	// when the console has stopped polling: the agent is taken offline.
	SignalAgentAway = "agent-away"
)

// PresenceTimeout is how long an agent who is not offline may go without
// reading their feed before routing takes them offline. A console long-polls
// every 30 s at most, so this is several missed polls: a closed browser or a
// lost network, not a slow one.
const PresenceTimeout = 2 * time.Minute

// AgentAway is the payload of SignalAgentAway.
type AgentAway struct {
	AgentID string
}

// WorkflowID is the feed of one agent.
func WorkflowID(agentID string) string {
	return "agent:" + agentID
}

// EventType says what happened.
type EventType string

// The events an agent console receives.
const (
	EventAssigned    EventType = "assigned"
	EventMessage     EventType = "message"
	EventTyping      EventType = "typing"
	EventTransferred EventType = "transferred"
	EventClosed      EventType = "closed"
	EventRequeued    EventType = "requeued"
	EventStatus      EventType = "status"
)

// Event is one entry of the feed. Seq is given by the feed.
type Event struct {
	Seq            int64
	Type           EventType
	ConversationID string
	At             time.Time
	Message        *Message          `json:",omitempty"`
	Conversation   *ConversationInfo `json:",omitempty"`
	// Status is the agent's new presence, for EventStatus.
	Status string `json:",omitempty"`
}

// Message is a conversation message as the agent sees it.
type Message struct {
	Seq         int64
	MessageCode string
	ToVisitor   bool
	SenderType  string
	SenderID    string
	MediaType   string
	Content     string
	At          time.Time
}

// ConversationInfo describes a conversation handed to the agent.
type ConversationInfo struct {
	ID           string
	WorkflowID   string
	UserID       string
	UserName     string
	SkillGroupID int64
	FromAgentID  string
	QueuedAt     time.Time
	AssignedAt   time.Time
	// ProductCard is the product JSON the visitor came about, if any.
	ProductCard string `json:",omitempty"`
}

// PollRequest asks for the events after Cursor; Wait turns it into a long-poll.
type PollRequest struct {
	Cursor int64
	Wait   time.Duration
}

// PollResult is the events after the cursor and the cursor to ask with next.
type PollResult struct {
	Events []Event
	Cursor int64
}

// MaxPollWait bounds a long-poll.
const MaxPollWait = 30 * time.Second

// State is what the feed carries across continue-as-new.
type State struct {
	AgentID string
	// RoutingWorkflowID is the routing workflow of the agent's tenant, told
	// when the agent stops polling.
	RoutingWorkflowID string
	// Status is the agent's presence as the last status event said.
	Status string
	// LastSeen is the last poll or status change.
	LastSeen time.Time
	// Events holds the most recent events, oldest first.
	Events  []Event
	NextSeq int64
	// ContinueAsNewAfter, when above zero, replaces requestsPerRun (tests).
	ContinueAsNewAfter int
}
