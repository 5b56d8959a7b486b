// Package conversation is the conversation workflow: one run per visitor
// conversation on a channel, from the robot's greeting to the close.
//
// This file is the workflow's contract. The API and the worker use these names
// and types; nothing else spells a signal, query or workflow name.
package conversation

import (
	"errors"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Names of the workflow, its task queue, updates, signals and queries.
//
// The workflow is told only what changes the conversation's life. Messages
// are data: the API writes them to the message log (internal/chatlog) and
// polls read the log, so no chat line, poll or agent reply passes through
// workflow history. What the workflow hears of:
//   - UpdateCommand: the visitor's TRANS2AGENT and DISCONNECT, which answer
//     with a result code the caller must learn (spec 003 §7); the validator
//     refuses without writing history.
//   - SignalRobotQuestion: the visitor asked the robot something; the robot
//     reads the question from the log (the signal carries only its seq).
//   - SignalRated: the visitor's rating is stored; a conversation waiting
//     for it closes.
//   - UpdateAgentTransfer, UpdateAgentClose: the serving agent's commands.
//   - routing's SignalAssigned and SignalRequeued.
const (
	WorkflowName = "Conversation"
	TaskQueue    = "ccflow-conversations"
	// PushTaskQueue runs webhook deliveries on workers of their own, so that
	// slow receivers never take the activity slots conversations need.
	PushTaskQueue = "ccflow-push"
	// UpdateCommand applies the visitor's TRANS2AGENT or DISCONNECT.
	UpdateCommand = "command"
	// SignalRobotQuestion tells the robot a question is in the log.
	SignalRobotQuestion = "robot-question"
	// SignalRated says the visitor's rating is stored.
	SignalRated = "rated"
	// UpdateAgentTransfer hands the conversation to another agent or skill group.
	UpdateAgentTransfer = "agent-transfer"
	// UpdateAgentClose is the serving agent ending the service.
	UpdateAgentClose = "agent-close"
	// QueryState returns the conversation's Snapshot.
	QueryState = "state"
	// UpdateStartCall places the visitor's click-to-call (spec 003 §11): it
	// answers the spec's result code, so it is an update with a validator.
	UpdateStartCall = "start-call"
)

// CallRequest is the visitor's click-to-call; CallID is also the update's
// id, so a retried request starts one call.
type CallRequest struct {
	CallID       string
	Video        bool
	QueueTimeout time.Duration
	RingTimeout  time.Duration
	MaxDuration  time.Duration
}

// createClickToCall's answers (spec 003 §11 names only the codes; the
// texts are ccflow's).
const (
	DescCallCreated        = "create click to call success."
	DescCallFailed         = "create click to call failed."
	DescCallNoConversation = "there is no conversation to call from: send CONNECT first"
	DescCallInProgress     = "a call is already in progress"
)

// WorkflowID names the workflow of one conversation. Each conversation is a
// workflow of its own; the message log keeps a visitor to one open
// conversation per channel.
func WorkflowID(conversationID string) string {
	return "conv:" + conversationID
}

// StartOptions start a conversation's workflow unless it runs or ran: any
// process that needs it running (the CONNECT's starter, a command, a robot
// question, a call) starts it if its opener died before it could.
func StartOptions(conversationID string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       WorkflowID(conversationID),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// A conversation's workflow runs once: a finished one is not restarted.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}
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
}

// Start is the workflow's input: the conversation the API opened. Later
// runs (continue-as-new) carry their State.
type Start struct {
	ConversationID string
	// State is set when a run continues as new.
	State *State `json:",omitempty"`
}

// Listing is what Temporal UI lists and filters a conversation by: its
// custom search attributes.
type Listing struct {
	TenantID, ChannelID, UserID, AgentID string
	Phase                                Phase
	SkillGroupID                         int64
}

// keywords pairs each search attribute with the listing's value for it.
func (l Listing) keywords() []keywordValue {
	return []keywordValue{
		{SATenant, l.TenantID}, {SAChannelConfig, l.ChannelID}, {SAUser, l.UserID},
		{SAPhase, string(l.Phase)}, {SAAgent, l.AgentID},
		{SASkillGroup, strconv.FormatInt(l.SkillGroupID, 10)},
	}
}

// keywordValue is one search attribute's value.
type keywordValue struct {
	key   temporal.SearchAttributeKeyKeyword
	value string
}

// SearchAttributes is the listing as a start's search attributes.
func (l Listing) SearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(l.changedFrom(temporal.SearchAttributes{})...)
}

// changedFrom is the upserts that turn have into the listing.
func (l Listing) changedFrom(have temporal.SearchAttributes) []temporal.SearchAttributeUpdate {
	var out []temporal.SearchAttributeUpdate
	for _, kv := range l.keywords() {
		if v, ok := have.GetKeyword(kv.key); !ok || v != kv.value {
			out = append(out, kv.key.ValueSet(kv.value))
		}
	}
	return out
}

// CommandRequest is the visitor's TRANS2AGENT or DISCONNECT. Its message is
// already in the log; the workflow acts on it.
type CommandRequest struct {
	// DedupeKey is the client's messageCode or Idempotency-Key; a repeat is
	// answered with the first answer.
	DedupeKey   string
	ControlType ControlType
}

// RobotQuestion is the payload of SignalRobotQuestion.
type RobotQuestion struct {
	Seq int64
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

// AgentRef names the agent serving a conversation.
type AgentRef struct {
	AgentID   string
	AgentName string
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
	UserName       string
	AssignedAt     *time.Time
	AgentName      string
}
