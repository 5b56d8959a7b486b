// Package outbound is the outbound call workflow: one run per anonymous
// call a field agent's app asks for (spec 003 §16, mobileagent/createcall),
// from the request, through the app dialling its access code at ccflow's
// SIP service and the trunk leg to the called number, to the end.
//
// This file is the workflow's contract: the API, the SIP service and the
// worker use these names and types.
package outbound

import (
	"time"

	"github.com/ccflow/ccflow/workflows/internal/refusal"
)

// Names of the workflow, its update, signals and query.
//
//   - UpdateDial: the SIP service got the app's INVITE for the call's access
//     code and asks to place the trunk leg; an update with a validator, so
//     a used or expired code is refused at once and writes no history.
//   - SignalAnswered: the called party answered the trunk leg.
//   - SignalEnded: a leg ended (a BYE from either side, the trunk's
//     refusal, the app's CANCEL); nobody waits on it.
const (
	WorkflowName   = "OutboundCall"
	UpdateDial     = "dial"
	SignalAnswered = "answered"
	SignalEnded    = "ended"
	QueryState     = "state"
)

// WorkflowID names the workflow of one call.
func WorkflowID(callSerialNo string) string { return "outbound:" + callSerialNo }

// State is where a call stands.
type State string

// The states of a call: requested → dialing → connected → ended, or
// failed (the trunk leg never connected) or expired (nobody dialled the
// access code in time).
const (
	StateRequested State = "REQUESTED"
	StateDialing   State = "DIALING"
	StateConnected State = "CONNECTED"
	StateEnded     State = "ENDED"
	StateFailed    State = "FAILED"
	StateExpired   State = "EXPIRED"
)

// Ended reports whether s is an end state.
func (s State) Ended() bool { return s == StateEnded || s == StateFailed || s == StateExpired }

// Start is the workflow's input.
type Start struct {
	CallSerialNo string
	// AccessCodeTTL is how long the access code opens the call.
	AccessCodeTTL time.Duration
	// DialTimeout bounds the dialling; the SIP service gives up on the
	// trunk leg before it, and this ends a call whose SIP service vanished.
	DialTimeout time.Duration
	// MaxDuration ends a connected call nobody hung up.
	MaxDuration time.Duration
}

// Side is who ended a leg.
type Side string

// The sides of a call.
const (
	SideApp    Side = "app"
	SideCalled Side = "called"
	SideServer Side = "server"
)

// LegEnded is SignalEnded's payload.
type LegEnded struct {
	Side Side
	// SIPStatus is the trunk's final answer to a leg that never connected
	// (486 busy, 480, 603…); 0 for a BYE.
	SIPStatus int
	Reason    string
}

// Snapshot is the call as the query and the update answer it.
type Snapshot struct {
	CallSerialNo string
	State        State
	Reason       string
}

// refusedType marks an update the workflow refused.
const refusedType = "ccflow.OutboundRefused"

func refuse(desc string) error { return refusal.New(refusedType, desc) }

// AsRefusal recognises a refused update and returns its reason.
func AsRefusal(err error) (string, bool) { return refusal.Reason(err, refusedType) }

// Refusals and end reasons.
const (
	DescUsed       = "the access code was used already"
	DescExpired    = "the access code expired"
	DescEnded      = "the call has ended"
	DescNoAnswer   = "the called number did not answer in time"
	DescMaxLength  = "the call reached its maximum duration"
	DescAppHangUp  = "the app hung up"
	DescCalledHung = "the called party hung up"
)
