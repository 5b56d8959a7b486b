package activities

import (
	"context"
	"errors"
	"time"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/faq"
)

// The message log's transition types are the activities' payloads: the
// conversation workflow decides, the log writes.
type (
	// Transition is a change of a conversation's life, written at once.
	Transition = chatlog.Transition
	// Fields are the conversation columns a transition sets.
	Fields = chatlog.Fields
	// LogMessage is a notice or control message a transition writes.
	LogMessage = chatlog.Message
	// AgentEvent is an event a transition adds to an agent's feed.
	AgentEvent = chatlog.AgentEvent
	// EventPayload is what an agent event carries.
	EventPayload = chatlog.EventPayload
)

// Conversations are the conversation workflow's reads and writes of the
// message log. Workflows call its methods through a nil *Conversations.
type Conversations struct {
	Log *chatlog.Log
	FAQ *faq.Library
}

// Loaded is a conversation as the API opened it: what its workflow starts from.
type Loaded struct {
	TenantID     string
	UserID       string
	UserName     string
	Phase        string
	SkillGroupID int64
	StartedAt    time.Time
	QueuedAt     *time.Time
	LastActivity time.Time
	Transition   int64
	AgentID      string
	AgentName    string
	AgentJoined  bool
	Rated        bool
	// Settings is the channel snapshot as JSON (conversation.Channel).
	Settings string
}

// Load reads the conversation the workflow runs.
func (a *Conversations) Load(ctx context.Context, conversationID string) (Loaded, error) {
	c, err := a.Log.Get(ctx, conversationID)
	if err != nil {
		return Loaded{}, err
	}
	last := c.StartedAt
	if c.LastActivity != nil {
		last = *c.LastActivity
	}
	return Loaded{
		TenantID: c.TenantID, UserID: c.UserID, UserName: c.UserName, Phase: c.Phase, SkillGroupID: c.SkillGroupID,
		StartedAt: c.StartedAt, QueuedAt: c.QueuedAt, LastActivity: last, Transition: c.Transition,
		AgentID: c.AgentID, AgentName: c.AgentName, AgentJoined: c.AgentJoined, Rated: c.Rated, Settings: c.Settings,
	}, nil
}

// Applied is the outcome of a transition: whether it applied, and the
// conversation's message count and last activity, for the operator's view
// and for idle timeouts.
type Applied struct {
	Applied      bool
	Phase        string
	LastSeq      int64
	LastActivity time.Time
}

// Apply writes a transition; it is idempotent on the transition's number.
func (a *Conversations) Apply(ctx context.Context, t Transition) (Applied, error) {
	res, err := a.Log.Apply(ctx, t)
	if err != nil {
		return Applied{}, err
	}
	last := res.Conv.StartedAt
	if res.Conv.LastActivity != nil {
		last = *res.Conv.LastActivity
	}
	return Applied{Applied: res.Applied, Phase: res.Conv.Phase, LastSeq: res.Conv.LastSeq, LastActivity: last}, nil
}

// RobotTurn asks the robot to answer the visitor's next question after a seq.
type RobotTurn struct {
	ConversationID string
	TenantID       string
	ChannelID      string
	RobotName      string
	AfterSeq       int64
	// Turn numbers the answer (spec 003's interIdx).
	Turn int
	// HandOff says that a miss now hands the visitor to an agent: the robot
	// then says nothing and the workflow moves the conversation to the queue.
	HandOff bool
	// Unsure is what the robot says when it has no answer.
	Unsure string
	// Locale is the conversation's language: the FAQ answers in it when the
	// tenant has an entry in it (faq.Index.AnswerIn).
	Locale string
}

// RobotReply is what the robot did: the question it took (0 when there was
// none after the seq), whether it knew the answer, and whether it handed off.
type RobotReply struct {
	QuestionSeq int64
	Matched     bool
	HandedOff   bool
}

// maxQuestionScan bounds how many messages one turn reads looking for the
// next question: the robot's own answers sit between questions.
const maxQuestionScan = 100

// Robot answers the visitor's next question from the tenant's FAQ and writes
// the answer to the log while the robot still serves. Questions are read from
// the log, so no visitor's words pass through workflow history.
func (a *Conversations) Robot(ctx context.Context, t RobotTurn) (RobotReply, error) {
	msgs, err := a.Log.Messages(ctx, t.ConversationID, t.AfterSeq, maxQuestionScan)
	if err != nil {
		return RobotReply{}, err
	}
	var reply RobotReply
	var question string
	for _, m := range msgs {
		if m.Direction == chatlog.ToService && m.ControlType == "CHAT" && m.Phase == chatlog.PhaseRobot {
			reply.QuestionSeq, question = m.Seq, m.Content
			break
		}
	}
	if reply.QuestionSeq == 0 {
		return reply, nil
	}
	res, err := a.FAQ.AnswerIn(ctx, t.TenantID, question, t.Locale)
	if err != nil {
		return RobotReply{}, err
	}
	reply.Matched = res.Matched
	text := t.Unsure
	if res.Matched {
		text = res.Entry.Answer
	} else if t.HandOff {
		reply.HandedOff = true
		return reply, nil
	}
	sims := ""
	if len(res.Similar) > 0 {
		sims = jsonStrings(res.Similar)
	}
	_, err = a.Log.Append(ctx, chatlog.AppendRequest{
		ConversationID: t.ConversationID, Phases: []string{chatlog.PhaseRobot}, Touch: true, ServiceName: t.RobotName,
		Message: chatlog.Message{
			ToVisitor: true, SenderType: "ROBOT", SenderID: t.ChannelID, SenderNickname: t.RobotName,
			ControlType: "CHAT", MediaType: "TEXT", Content: text, InterIdx: int64(t.Turn), SimQuestions: sims,
			ClientKey: "robot:" + itoa(reply.QuestionSeq),
		},
	})
	var pe *chatlog.PhaseError
	if errors.As(err, &pe) {
		// The visitor moved on (a transfer) while the robot was thinking.
		return reply, nil
	}
	return reply, err
}
