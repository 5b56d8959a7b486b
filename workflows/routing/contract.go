// Package routing is the routing workflow: one entity per tenant that keeps
// the skill groups' queues, the agents' presence and load, and hands the
// longest-waiting conversation to the ready agent idle longest.
//
// This file is the workflow's contract. Conversations, the agent API and the
// worker use these names and types; nothing else spells them.
//
// One workflow per tenant, not per skill group: an agent serves several
// groups with one capacity, and only a single owner of that agent's load can
// keep "never above capacity" without cross-workflow locking.
package routing

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Names of the workflow, its signals, updates and queries.
//
// Conversations tell routing about queue changes with signals (through an
// activity that starts the tenant's routing workflow when needed); they need
// no answer. An agent's status change is an Update: the agent API must know it
// took effect, and the validator refuses bad input without writing history.
const (
	WorkflowName = "Routing"
	// SignalEnqueue puts a conversation in a queue (first wait or transfer).
	SignalEnqueue = "enqueue"
	// SignalLeave takes a conversation out of the queue or off its agent.
	SignalLeave = "leave"
	// SignalRequests carries several conversations' enqueues and leaves in
	// one signal (Requests): a burst of arrivals costs routing a few signals
	// instead of one each, all serialized on its one workflow.
	SignalRequests = "requests"
	// UpdateAgentStatus sets an agent's presence, capacity and skills.
	UpdateAgentStatus = "agent-status"
	// QueryQueueInfo answers spec 003 §4 for one conversation.
	QueryQueueInfo = "queue-info"
	// QueryQueues lists every waiting conversation and agent, for the agent console.
	QueryQueues = "queues"
	// QueryAgent is one agent's presence and conversations.
	QueryAgent = "agent"

	// SignalAssigned is what routing sends a conversation it assigned.
	SignalAssigned = "routing-assigned"
	// SignalRequeued is what routing sends a conversation whose agent went offline.
	SignalRequeued = "routing-requeued"
)

// PresenceTimeout is how long an agent who is not offline may go without
// reading their events before routing takes them offline. A console
// long-polls every 30 s at most, so this is several missed polls: a closed
// browser or a lost network, not a slow one.
const PresenceTimeout = 2 * time.Minute

// Request is one conversation's request: exactly one of Enqueue and Leave is set.
type Request struct {
	Enqueue *Entry `json:",omitempty"`
	Leave   *Leave `json:",omitempty"`
}

// Requests is the payload of SignalRequests, applied in order.
type Requests struct {
	Items []Request
}

// SignalAgentAway takes an agent who stopped reading their events offline,
// whatever they last chose: a presence sweep sends it (see PresenceTimeout).
const SignalAgentAway = "agent-away"

// AgentAway is the payload of SignalAgentAway.
type AgentAway struct {
	AgentID string
}

// WorkflowID is the one routing entity of a tenant.
func WorkflowID(tenantID string) string {
	return "routing:" + tenantID
}

// SATenant is the tenant search attribute, the one conversations carry
// (CcflowTenant): `CcflowTenant = 'demo'` in Temporal UI lists a tenant's
// routing beside its conversations.
var SATenant = temporal.NewSearchAttributeKeyKeyword("CcflowTenant")

// StartOptions are how every starter starts a tenant's routing: its ID, the
// task queue, the tenant search attribute, and the summary Temporal UI shows
// (the details line below it says who waits and who is ready). Continue-as-new
// keeps the search attribute.
func StartOptions(tenantID, taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID: WorkflowID(tenantID), TaskQueue: taskQueue,
		StaticSummary:         "routing of tenant " + tenantID + ": its skill groups' queues and its agents",
		TypedSearchAttributes: temporal.NewSearchAttributes(SATenant.ValueSet(tenantID)),
	}
}

// Status is an agent's presence.
type Status string

// The presences of DESIGN §4.
const (
	StatusReady    Status = "READY"
	StatusNotReady Status = "NOT_READY"
	StatusOffline  Status = "OFFLINE"
)

// Valid reports whether s is one of the three presences.
func (s Status) Valid() bool {
	return s == StatusReady || s == StatusNotReady || s == StatusOffline
}

// Entry is a conversation waiting in a queue.
type Entry struct {
	ConversationID string
	WorkflowID     string
	UserID         string
	UserName       string
	SkillGroupID   int64
	// TargetAgentID, when set, is the only agent who may take the conversation
	// (a transfer to a named agent).
	TargetAgentID string
	// FromAgentID is the agent who transferred it, if any.
	FromAgentID string
	// Ticket orders a conversation's own routing requests: routing ignores a
	// request older than what it already applied, so an activity retry can
	// never undo a newer step.
	Ticket int64
	// QueuedAt is when this wait began.
	QueuedAt time.Time
	// Order is the place in line; a conversation requeued because its agent
	// left keeps the place of its first wait.
	Order   time.Time
	MaxWait time.Duration
}

// Leave takes a conversation out of routing, whether queued or held by an agent.
type Leave struct {
	ConversationID string
	Ticket         int64
}

// AgentStatus is an agent's new presence with their current settings, read
// from the database by the caller: capacity and skill changes apply at the
// next status change, without a restart.
type AgentStatus struct {
	AgentID     string
	Name        string
	SkillGroups []int64
	Capacity    int
	Status      Status
}

// Held is a conversation an agent serves.
type Held struct {
	ConversationID string
	WorkflowID     string
	UserID         string
	UserName       string
	SkillGroupID   int64
	Ticket         int64
	QueuedAt       time.Time
	Order          time.Time
	AssignedAt     time.Time
}

// Agent is an agent as routing sees them.
type Agent struct {
	ID          string
	Name        string
	SkillGroups []int64
	Capacity    int
	Status      Status
	// Since is when the status last changed.
	Since time.Time
	// IdleSince is the last assignment or the moment the agent became ready,
	// whichever is later: the agent with the oldest one is idle longest.
	IdleSince     time.Time
	Conversations []Held
}

// Assignment is what a conversation receives with SignalAssigned.
type Assignment struct {
	ConversationID string
	Ticket         int64
	AgentID        string
	AgentName      string
}

// Requeue is what a conversation receives with SignalRequeued.
type Requeue struct {
	ConversationID string
	Ticket         int64
	AgentID        string
}

// QueueInfoRequest names the conversation whose queue numbers are asked for.
// The conversation's own view of its wait (QueuedAt set) answers for a
// conversation that queued a moment ago, whose request routing has not
// received yet: it is last in line.
type QueueInfoRequest struct {
	// Now is the caller's time, which the waits are computed at.
	Now          time.Time
	WorkflowID   string
	SkillGroupID int64
	QueuedAt     time.Time
	MaxWait      time.Duration
}

// QueueInfo is spec 003 §4.1.2 in seconds. Found is false when the
// conversation is not waiting (and gave no view of its own).
type QueueInfo struct {
	Found                 bool
	SkillGroupID          int64
	Position              int
	TotalWaitTime         int
	CurrentDeviceWaitTime int
	ConfigMaxcWaitTime    int
	LongestWaitTime       int
	EstimateWaitTime      int
}

// Queues is the answer to QueryQueues.
type Queues struct {
	// Waiting is every queued conversation in the order it will be served.
	Waiting []Entry
	Agents  []Agent
	// Estimates is the estimated wait per skill group, in seconds.
	Estimates map[int64]int
}

// Wait is one real wait, queued to assigned, for the estimates.
type Wait struct {
	SkillGroupID int64
	Wait         time.Duration
	At           time.Time
}

// State is everything routing carries across continue-as-new.
type State struct {
	TenantID string
	Queue    []Entry
	Agents   []Agent
	// Waits holds the most recent real waits per skill group.
	Waits []Wait
	// ContinueAsNewAfter, when above zero, replaces requestsPerRun: tests use
	// a small number to force continue-as-new early.
	ContinueAsNewAfter int
}

// AssignNotice is one assignment routing tells a conversation of, through
// Assigner.Tell: the conversation's workflow and what it receives with
// SignalAssigned.
type AssignNotice struct {
	WorkflowID string
	Assignment Assignment
}

// assignInBatches is the change that moved routing's assignment signals
// from one SignalExternalWorkflow each to one local activity per batch; a
// run that began before it keeps signalling one by one.
const assignInBatches = "assign-in-batches"
