// Package conversation is the conversation workflow: one run per visitor
// conversation on a channel, from the robot's greeting to the close.
//
// This file is the workflow's contract. The API and the worker use these names
// and types; nothing else spells a signal, query or workflow name.
package conversation

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Names of the workflow, its task queue, signals and queries.
const (
	WorkflowName  = "Conversation"
	TaskQueue     = "ccflow-conversations"
	SignalSend    = "send"
	QueryMessages = "messages"
	QueryState    = "state"
)

// WorkflowID is the one open conversation a visitor has on a channel config.
func WorkflowID(channelConfigID, userID string) string {
	return "conv:" + channelConfigID + ":" + userID
}

// Custom search attributes operators filter on in Temporal UI.
var (
	SATenant        = temporal.NewSearchAttributeKeyKeyword("CcflowTenant")
	SAChannelConfig = temporal.NewSearchAttributeKeyKeyword("CcflowChannelConfig")
	SAUser          = temporal.NewSearchAttributeKeyKeyword("CcflowUser")
	SAPhase         = temporal.NewSearchAttributeKeyKeyword("CcflowPhase")
	SAAgent         = temporal.NewSearchAttributeKeyKeyword("CcflowAgent")
	SASkillGroup    = temporal.NewSearchAttributeKeyKeyword("CcflowSkillGroup")
)

// SearchAttributes lists the custom search attributes to register at start.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{SATenant, SAChannelConfig, SAUser, SAPhase, SAAgent, SASkillGroup} {
		out[k.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return out
}

// Phase is where a conversation stands (DESIGN §3).
type Phase string

// The phases, in their usual order.
const (
	PhaseRobot        Phase = "ROBOT"
	PhaseQueued       Phase = "QUEUED"
	PhaseAgent        Phase = "AGENT"
	PhaseSatisfaction Phase = "SATISFACTION"
	PhaseClosed       Phase = "CLOSED"
)

// ControlType is spec 003's controlType of a message.
type ControlType string

// The control types of spec 003 §7.1.2.
const (
	ControlConnect     ControlType = "CONNECT"
	ControlChat        ControlType = "CHAT"
	ControlTrans2Agent ControlType = "TRANS2AGENT"
	ControlInput       ControlType = "INPUT"
	ControlDisconnect  ControlType = "DISCONNECT"
)

// SourceType is who sent a message (spec 003 §5.1.1).
type SourceType string

// The sources of spec 003.
const (
	SourceCustomer SourceType = "CUSTOMER"
	SourceRobot    SourceType = "ROBOT"
	SourceAgent    SourceType = "AGENT"
	SourceSystem   SourceType = "SYSTEM"
)

// Channel is the snapshot of the channel config a conversation runs with;
// later edits of the config apply to new conversations.
type Channel struct {
	ID             string
	TenantID       string
	RobotEnabled   bool
	RobotNickname  string
	RobotGreeting  string
	RobotMaxMisses int
	Locale         string
	SkillGroupID   int64
	MaxQueueWait   time.Duration
	// Idle timeouts per phase; zero means none.
	RobotIdle        time.Duration
	QueueIdle        time.Duration
	AgentIdle        time.Duration
	SatisfactionWait time.Duration
}

// Visitor is who the conversation is with.
type Visitor struct {
	UserID   string
	UserName string
}

// SendSignal is a customer's send (spec 003 §7) as the workflow receives it.
type SendSignal struct {
	// DedupeKey is the client's messageCode or Idempotency-Key; a repeat is applied once.
	DedupeKey      string
	ControlType    ControlType
	MediaType      string
	Content        string
	SenderNickname string
}

// Message is one message of the conversation in either direction.
type Message struct {
	Seq            int64
	MessageCode    string
	Downlink       bool
	SourceType     SourceType
	SenderID       string
	SenderNickname string
	ControlType    ControlType
	MediaType      string
	Content        string
	At             time.Time
}

// MessagesQuery asks for the downlink messages after a sequence number.
type MessagesQuery struct {
	AfterSeq int64
}

// Snapshot is the answer to QueryState.
type Snapshot struct {
	ConversationID string
	Phase          Phase
	TenantID       string
	ChannelID      string
	UserID         string
	LastSeq        int64
}
