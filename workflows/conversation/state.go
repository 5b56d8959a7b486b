package conversation

import (
	"time"

	"github.com/ccflow/ccflow/activities"
)

// State is everything a conversation carries across continue-as-new. It is
// bounded: messages live in the log, so nothing here grows with the
// conversation's message count, its polls or its webhook failures.
type State struct {
	ConversationID string
	Channel        Channel
	Visitor        Visitor
	Phase          Phase
	StartedAt      time.Time
	QueuedAt       *time.Time
	AssignedAt     *time.Time
	// EndedAt is when the service ended; ClosedAt when the conversation
	// closed, after the rating when an agent took part.
	EndedAt     *time.Time
	ClosedAt    *time.Time
	CloseReason string
	Agent       AgentRef
	// SkillGroupID is the queue the conversation is (or last was) in.
	SkillGroupID int64
	// TargetAgentID is the agent a transfer named; only they may take it.
	TargetAgentID string
	// FromAgentID is the agent who last handed the conversation on.
	FromAgentID string
	// RouteTicket is the ticket of the last queue request; routing applies a
	// conversation's requests in ticket order.
	RouteTicket int64
	// Routing holds the requests routing has not yet acknowledged, in order
	// (at most a few: one per queue change).
	Routing     []activities.RouteNotice
	AgentJoined bool
	Rated       bool
	RobotMisses int
	RobotTurns  int
	// RobotAsked is the latest question the visitor signalled; RobotAnswered
	// the latest the robot took. The questions themselves are in the log.
	RobotAsked    int64
	RobotAnswered int64
	// Transitions counts the phase changes written to the log: each carries
	// its number, so a retried write applies once.
	Transitions int64
	// Messages is the log's message count as last seen, for the operator's view.
	Messages     int64
	LastActivity time.Time
	// Dedupe remembers the visitor's recent command keys and their answers.
	Dedupe []Deduped
	// CallID is the click-to-call running as a child, if any; CallAgent and
	// CallEnded are what it was last told (tellCall).
	CallID    string `json:",omitempty"`
	CallAgent string `json:",omitempty"`
	CallEnded bool   `json:",omitempty"`
	// ContinueAsNewAfter, when above zero, makes a run continue as new after
	// that many requests (tests).
	ContinueAsNewAfter int
}

// Deduped is one remembered command and its answer.
type Deduped struct {
	Key    string
	Result SendResult
}

const (
	// keepDedupe bounds the dedupe window of commands (a handful per conversation).
	keepDedupe = 32
	// maxRouting bounds the routing requests waiting; past it the oldest
	// leave requests are folded (routing ignores stale tickets anyway).
	maxRouting = 16
)
