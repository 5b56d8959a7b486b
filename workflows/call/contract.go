// Package call is the click-to-call workflow: one run per call a visitor
// places from a conversation (spec 003 §11–14), a child of that
// conversation's workflow, from the request to the release.
//
// This file is the workflow's contract: the API, the conversation workflow
// and the worker use these names and types.
package call

import (
	"time"

	"github.com/ccflow/ccflow/workflows/internal/refusal"
)

// Names of the workflow, its updates, signals and query.
//
//   - UpdateAccept, UpdateReject: the rung agent answers; the console must
//     learn at once whether it got the call, so these are updates with
//     validators (a refusal writes no history).
//   - UpdateDrop: either side hangs up (dropClickToCall, the console's
//     hang-up); an update too, so dropClickToCall can answer 13 when there
//     is no call to drop.
//   - SignalConversation: the parent conversation's news (its agent
//     changed, or it ended); nobody waits on it.
const (
	WorkflowName       = "Call"
	UpdateAccept       = "accept"
	UpdateReject       = "reject"
	UpdateDrop         = "drop"
	SignalConversation = "conversation"
	QueryState         = "state"
)

// WorkflowID names the workflow of one call.
func WorkflowID(callID string) string { return "call:" + callID }

// State is where a call stands.
type State string

// The states of a call: requested → queuing → ringing → connected →
// released, or failed / queue-timeout.
const (
	StateRequested    State = "REQUESTED"
	StateQueuing      State = "QUEUING"
	StateRinging      State = "RINGING"
	StateConnected    State = "CONNECTED"
	StateReleased     State = "RELEASED"
	StateFailed       State = "FAILED"
	StateQueueTimeout State = "QUEUE_TIMEOUT"
)

// Ended reports whether s is an end state.
func (s State) Ended() bool {
	return s == StateReleased || s == StateFailed || s == StateQueueTimeout
}

// Event ids getClickToCallEvents answers (spec 003 §12). 168101 is the
// spec's own "Call connected"; ccflow numbers the others around it.
const (
	EventInQueue      = "168100"
	EventConnected    = "168101"
	EventDisconnected = "168102"
	EventQueueTimeout = "168103"
	EventFailed       = "168104"
)

// The resultDesc of each event, and of a poll that found none.
const (
	DescInQueue      = "Call in queue"
	DescConnected    = "Call connected"
	DescDisconnected = "Call disconnected"
	DescQueueTimeout = "Call queued timeout"
	DescFailed       = "Call failed"
	DescNoEvents     = "ClickToCall polled without any events"
)

// Cause is an event's causeId and causeDesc: why a call ended.
type Cause struct {
	ID   string
	Desc string
}

// The causes of a call's end.
var (
	CauseCustomerHangUp   = Cause{"0", "the customer hung up"}
	CauseAgentHangUp      = Cause{"1", "the agent hung up"}
	CauseCustomerCancel   = Cause{"2", "the customer cancelled the call"}
	CauseAgentRejected    = Cause{"3", "the agent rejected the call"}
	CauseNoAnswer         = Cause{"4", "the agent did not answer"}
	CauseAgentLeft        = Cause{"5", "the agent left the conversation"}
	CauseConversationOver = Cause{"6", "the conversation ended"}
	CauseQueueTimeout     = Cause{"7", "no agent became free in time"}
	CauseMaxDuration      = Cause{"8", "the call reached its maximum duration"}
)

// AgentRef names an agent.
type AgentRef struct {
	AgentID   string
	AgentName string
}

// Start is the workflow's input.
type Start struct {
	CallID         string
	ConversationID string
	TenantID       string
	ChannelID      string
	UserID         string
	Locale         string
	Video          bool
	QueueTimeout   time.Duration
	RingTimeout    time.Duration
	// MaxDuration ends a connected call nobody hung up (a closed laptop).
	MaxDuration time.Duration
	// Agent serves the conversation when the call is placed, if anyone does.
	Agent AgentRef
}

// ConversationNews is SignalConversation's payload: the conversation's
// serving agent now (none while it queues), or that it ended.
type ConversationNews struct {
	Agent AgentRef
	Ended bool
}

// AgentRequest is the rung agent's accept or reject.
type AgentRequest struct {
	AgentID string
}

// Sides of a call, for a drop.
const (
	SideCustomer = "customer"
	SideAgent    = "agent"
)

// DropRequest is a hang-up; AgentID must be the call's agent when Side is agent.
type DropRequest struct {
	Side    string
	AgentID string
}

// Snapshot is the answer to QueryState and to the updates.
type Snapshot struct {
	CallID string
	State  State
	Agent  AgentRef
	Cause  Cause
}

// refusedType marks an update the workflow refused.
const refusedType = "ccflow.CallRefused"

func refuse(desc string) error { return refusal.New(refusedType, desc) }

// AsRefusal recognises a refused update and returns its reason.
func AsRefusal(err error) (string, bool) { return refusal.Reason(err, refusedType) }

// Refusals.
const (
	DescNotRinging    = "the call is not ringing"
	DescNotYourCall   = "the call is not for this agent"
	DescCallEnded     = "the call has ended"
	DescUnknownSide   = "side must be customer or agent"
	DescNothingToDrop = "there is no call to drop"
)
