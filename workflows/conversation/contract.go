// Package conversation is the conversation workflow: one run per visitor
// conversation on a channel, from the robot's greeting to the close.
//
// This file is the workflow's contract. The API and the worker use these names
// and types; nothing else spells a signal, query or workflow name.
package conversation

import (
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Names of the workflow, its task queue, updates, signals and queries.
//
// Customer and agent commands are Workflow Updates: the caller must learn
// synchronously whether the conversation accepted them (spec 003 answers a
// send with a result code; an agent must know their message went out or why
// not), and a validator refuses without writing history. Routing talks to
// the workflow with the signals its own contract names: it needs no answer.
const (
	WorkflowName = "Conversation"
	TaskQueue    = "ccflow-conversations"
	// PushTaskQueue runs webhook deliveries on workers of their own, so that
	// slow receivers never take the activity slots the robot and the
	// database writes of conversations need.
	PushTaskQueue = "ccflow-push"
	// UpdateSend applies a customer send (spec 003 §7); CONNECT is update-with-start.
	UpdateSend = "send"
	// UpdatePoll hands the visitor the downlink messages once, in order (spec 003 §5).
	UpdatePoll = "poll"
	// UpdateRate records the visitor's satisfaction rating (spec 003 §6).
	UpdateRate = "rate"
	// UpdateAgentSend is the serving agent's message to the visitor.
	UpdateAgentSend = "agent-send"
	// UpdateAgentTransfer hands the conversation to another agent or skill group.
	UpdateAgentTransfer = "agent-transfer"
	// UpdateAgentClose is the serving agent ending the service.
	UpdateAgentClose = "agent-close"
	// QueryMessages returns the downlink messages after a sequence number.
	QueryMessages = "messages"
	// QueryState returns the conversation's Snapshot.
	QueryState = "state"
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
	// WorkingHours is the agents' schedule (internal/hours syntax) in TimeZone.
	WorkingHours string
	TimeZone     string
	MaxQueueWait time.Duration
	// Idle timeouts per phase; zero means none.
	RobotIdle        time.Duration
	QueueIdle        time.Duration
	AgentIdle        time.Duration
	SatisfactionWait time.Duration
	// BusinessID is the tenant's business id (spec 001), which webhook events carry.
	BusinessID int64
	// PushEndpoints are the tenant's enabled webhook endpoints when the
	// conversation began; each receives every message of the conversation.
	PushEndpoints []uint64
}

// Visitor is who the conversation is with.
type Visitor struct {
	UserID   string
	UserName string
	// ProductCard is the product JSON object the visitor entry (spec 001)
	// brought, for the agent to see; empty when there is none.
	ProductCard string
}

// SendRequest is a customer's send (spec 003 §7) as the workflow receives it.
type SendRequest struct {
	// DedupeKey is the client's messageCode or Idempotency-Key; a repeat is
	// applied once and answered with the first answer.
	DedupeKey      string
	ControlType    ControlType
	MediaType      string
	Content        string
	SenderNickname string
}

// SendResult is spec 003 §7.1.1's resultCode and resultDesc.
type SendResult struct {
	Code string
	Desc string
}

// Result codes and descriptions of spec 003 §7.1.1, in the spec's own words.
const (
	CodeOK            = "0"
	CodeNotWorkingHrs = "12"
	CodeFailed        = "13"

	DescConnectRobot       = "connect to robot success."
	DescConnectAgent       = "connect to agent success."
	DescRobotChat          = "Send message to robot successfully"
	DescUserMessage        = "sendUserMessage successfully."
	DescUserMessageFailed  = "sendUserMessage failed"
	DescTransferOK         = "transfer from robot to agent success."
	DescTransferIsAgent    = "fail to transfer from robot to agent,it has been agent service."
	DescTransferNoSession  = "fail to transfer from robot to agent,session keep touch failed."
	DescNotWorkingHours    = "The current time is not within the working time of the service agents."
	DescInputRobot         = "This is robot service,this message is prevented!"
	DescDisconnectRobot    = "Disconnect robot successfully"
	DescDisconnect         = "disconnect successfully"
	DescDisconnectFailed   = "disconnect failed"
	DescSatisfactionOK     = "Save satisfaction success!"
	DescSatisfactionNoCall = "The callIdString obtained failed!"
)

// refusedType marks an update the workflow refused; its details carry the result code.
const refusedType = "ccflow.Refused"

// refuse is how validators and handlers turn a send down with a spec code.
func refuse(code, desc string) error {
	return temporal.NewApplicationErrorWithOptions(desc, refusedType, temporal.ApplicationErrorOptions{
		NonRetryable: true, Details: []any{code},
	})
}

// AsRefusal recognises a refused update and returns the code and text to answer with.
func AsRefusal(err error) (SendResult, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != refusedType {
		return SendResult{}, false
	}
	var code string
	if appErr.Details(&code) != nil {
		code = CodeFailed
	}
	return SendResult{Code: code, Desc: appErr.Message()}, true
}

// PollRequest asks for downlink messages. Without a cursor the workflow
// returns what it has not yet handed out and remembers that it did; with one
// it returns what follows the cursor, so a client can resume exactly.
type PollRequest struct {
	HasCursor bool
	Cursor    int64
	// Wait turns the poll into a long-poll when nothing is waiting.
	Wait time.Duration
}

// PollResult is the messages of a poll and the cursor after them.
type PollResult struct {
	Messages []Message
	Cursor   int64
}

// RateRequest is the visitor's satisfaction rating (spec 003 §6).
type RateRequest struct {
	Evaluation int
	Comment    string
}

// AgentRef names the agent serving a conversation.
type AgentRef struct {
	AgentID   string
	AgentName string
}

// AgentSendRequest is the serving agent's message to the visitor.
type AgentSendRequest struct {
	AgentID string
	// ConversationID is the conversation the agent means: a workflow run may
	// have moved on to a newer conversation of the same visitor.
	ConversationID string
	// DedupeKey makes a retried send apply once.
	DedupeKey string
	MediaType string
	Content   string
}

// AgentTransferRequest moves the conversation to a named agent or, when
// ToAgentID is empty, to a skill group's queue.
type AgentTransferRequest struct {
	AgentID        string
	ConversationID string
	ToAgentID      string
	ToSkillGroupID int64
}

// AgentCloseRequest is the serving agent ending the service.
type AgentCloseRequest struct {
	AgentID        string
	ConversationID string
}

// Agent refusals, in the same envelope as the spec's refusals.
const (
	DescNotYourConversation = "the conversation is not served by this agent"
	DescTransferToSelf      = "the conversation is already served by this agent"
)

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
	// SimQuestions are the robot's similar questions (spec 003 §5.1.1).
	SimQuestions []string
	// InterIdx numbers the robot's answers, for robot feedback (spec 003 §17).
	InterIdx int
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
	SkillGroupID   int64
	QueuedAt       *time.Time
	MaxQueueWait   time.Duration
	AgentID        string
	LastSeq        int64
	DeliveredSeq   int64
	UserName       string
	AssignedAt     *time.Time
	AgentName      string
	ProductCard    string
}
