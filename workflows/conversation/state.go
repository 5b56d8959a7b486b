package conversation

import (
	"time"

	"github.com/ccflow/ccflow/activities"
)

// State is everything a conversation carries across continue-as-new.
type State struct {
	// ConversationID is the first run's id; it names the conversation for good.
	ConversationID string
	Channel        Channel
	Visitor        Visitor
	Phase          Phase
	StartedAt      time.Time
	QueuedAt       *time.Time
	AssignedAt     *time.Time
	// EndedAt is when the service ended; ClosedAt when the conversation closed,
	// after the rating when an agent took part.
	EndedAt     *time.Time
	ClosedAt    *time.Time
	CloseReason string
	Agent       AgentRef
	// SkillGroupID is the queue the conversation is (or last was) in; a
	// transfer changes it.
	SkillGroupID int64
	// TargetAgentID is the agent a transfer named; only they may take it.
	TargetAgentID string
	// FromAgentID is the agent who last handed the conversation on.
	FromAgentID string
	// RouteTicket is the ticket of the last queue request; routing applies a
	// conversation's requests in ticket order.
	RouteTicket int64
	// Routing holds the requests routing has not yet acknowledged, in order.
	Routing []activities.RouteNotice
	// AgentJoined is set once an agent took part: only then is the visitor asked for a rating.
	AgentJoined bool
	Rated       bool
	Greeted     bool
	RobotMisses int
	RobotTurns  int
	// RobotQueue holds the visitor's questions the robot has not answered yet.
	RobotQueue []string
	// NextSeq numbers messages in both directions, across runs.
	NextSeq int64
	// Messages holds the downlink messages a poll may still ask for.
	Messages []Message
	// DeliveredSeq is the last downlink message handed out by a cursor-less poll.
	DeliveredSeq int64
	// Unsaved is what the persister has not yet written to the database.
	Unsaved activities.PersistBatch
	// Pushes holds, per webhook endpoint, the events not yet delivered.
	Pushes []PushQueue
	// Dedupe remembers recent client dedupe keys and their answers, oldest first.
	Dedupe       []Deduped
	LastActivity time.Time
	// Reopened counts the conversations a run reopened after a close, to name them.
	Reopened int
	// ContinueAsNewAfter, when above zero, replaces updatesPerRun: tests use a
	// small number to force continue-as-new early.
	ContinueAsNewAfter int
}

// Deduped is one remembered send and its answer.
type Deduped struct {
	Key    string
	Result SendResult
	// Seq is the message an agent's send created.
	Seq int64
}

const (
	// keepDelivered bounds the already-delivered downlink messages kept for cursor polls.
	keepDelivered = 100
	// keepDedupe bounds the dedupe window.
	keepDedupe = 256
	// maxPollWait bounds a long-poll.
	maxPollWait = 30 * time.Second
	// updatesPerRun is how many updates (sends, polls, ratings) one run takes
	// before it continues as new. The server refuses updates past 2000 per run
	// and keeps each completed one in the run's state; a visitor who long-polls
	// for hours must never reach that, and a shorter history replays faster
	// when a worker has to rebuild the conversation.
	updatesPerRun = 500
	// lingerAfterClose lets the visitor fetch the last messages before the run ends.
	lingerAfterClose = 30 * time.Second
)
