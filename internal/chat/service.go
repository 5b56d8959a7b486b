// Package chat is the conversations' message path: the operations visitors
// and agents perform (connect, send, poll, agent send, events, rate) over the
// message log, its notifier, and the conversation workflows. The API's
// handlers decode, call a Service method and encode; the rules live here.
//
// A send is acknowledged once its row is in the log; the workflow hears only
// of what changes the conversation's life (a robot question, TRANS2AGENT,
// DISCONNECT, a rating). A long-poll waits on the notifier and re-reads the
// log with its cursor.
package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// Workflows is what the message path asks of the conversation workflows.
type Workflows interface {
	// Start makes sure the conversation's workflow runs (idempotent), with
	// what its opener knows of it for Temporal UI.
	Start(ctx context.Context, conversationID string, o Opening) error
	// AskRobot tells the robot a question is in the log at seq; the opening
	// is for a start, should the workflow not run yet.
	AskRobot(ctx context.Context, conversationID string, o Opening, seq int64) error
	// Command applies TRANS2AGENT or DISCONNECT and answers the spec's
	// result; the opening is for a start, as with AskRobot.
	Command(ctx context.Context, conversationID string, o Opening, r conversation.CommandRequest) (conversation.SendResult, error)
	// Rated tells the conversation its rating is stored.
	Rated(ctx context.Context, conversationID string) error
	// AgentAway tells the tenant's routing that an agent stopped reading their events.
	AgentAway(ctx context.Context, tenantID, agentID string) error
}

// Service runs the message path.
type Service struct {
	Log    *chatlog.Log
	Wait   notify.Waiter
	Flows  Workflows
	Logger *slog.Logger
	// Transfer is the tenants' transfer lines; nil means the built-in ones.
	Transfer TransferWords
	// Files checks and attaches the files of media messages; nil refuses them.
	Files *files.Service
	// starts hands freshly opened conversations to the starter.
	starts chan startJob
}

// Opening is what a start tells Temporal of a conversation: Temporal UI's
// summary and the search attributes it is listed by, from its row as the
// caller read it (the workflow's first step upserts whatever changed
// since). The sweeps, which have only ids, know neither; the workflow then
// lists it at its first step.
type Opening struct {
	Summary string
	Listing *conversation.Listing
}

// openingOf is the opening of the conversation in row c.
func openingOf(c models.Conversation) Opening {
	return Opening{
		Summary: fmt.Sprintf("tenant %s · channel %s · visitor %s (%s)", c.TenantID, c.ChannelConfigID, c.UserName, c.UserID),
		Listing: &conversation.Listing{
			TenantID: c.TenantID, ChannelID: c.ChannelConfigID, UserID: c.UserID, AgentID: c.AgentID,
			Phase: conversation.Phase(c.Phase), SkillGroupID: c.SkillGroupID,
		},
	}
}

// startJob is a conversation whose workflow a starter starts.
type startJob struct {
	id      string
	opening Opening
}

// NewService returns a Service; Run must run for conversations' workflows to start.
func NewService(log *chatlog.Log, wait notify.Waiter, flows Workflows, logger *slog.Logger) *Service {
	return &Service{Log: log, Wait: wait, Flows: flows, Logger: logger, starts: make(chan startJob, 4096)}
}

// Result is spec 003's resultCode and resultDesc.
type Result = conversation.SendResult

func ok(desc string) Result     { return Result{Code: conversation.CodeOK, Desc: desc} }
func failed(desc string) Result { return Result{Code: conversation.CodeFailed, Desc: desc} }

// ErrNotYours is an agent acting on a conversation they do not serve.
var ErrNotYours = errors.New(conversation.DescNotYourConversation)

// ErrNoConversation is a visitor without a conversation on the channel.
var ErrNoConversation = errors.New("no conversation")

// latest is the visitor's newest conversation on the channel.
func (s *Service) latest(ctx context.Context, channelID, userID string) (models.Conversation, error) {
	c, err := s.Log.Latest(ctx, channelID, userID)
	if errors.Is(err, chatlog.ErrNotFound) {
		return c, ErrNoConversation
	}
	return c, err
}

// Live reports whether the visitor has an open conversation on the channel.
func (s *Service) Live(ctx context.Context, channelID, userID string) (bool, error) {
	c, err := s.latest(ctx, channelID, userID)
	if errors.Is(err, ErrNoConversation) {
		return false, nil
	}
	return err == nil && c.Phase != chatlog.PhaseClosed, err
}

// Conversation returns the visitor's newest conversation on the channel.
func (s *Service) Conversation(ctx context.Context, channelID, userID string) (models.Conversation, error) {
	return s.latest(ctx, channelID, userID)
}

// Run starts the workflows of opened conversations until ctx ends: at once
// for those this process opened, and by a sweep for any a crash left behind.
func (s *Service) Run(ctx context.Context) {
	// Starters in parallel: a burst of CONNECTs is a burst of starts, each a
	// round trip to Temporal. A conversation whose start comes after the
	// visitor's TRANS2AGENT is started by that update instead, without eager
	// start, its first workflow task queued in Temporal's matching behind the
	// others': with 4 starters 50 arrivals waited 1.8-2.7 s for an agent
	// (p50), with 16 0.9-2.0 s.
	for range starters {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-s.starts:
					s.start(ctx, j.id, j.opening)
				}
			}
		}()
	}
	sweep := time.NewTicker(startSweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			ids, err := s.Log.Unstarted(ctx, time.Now().Add(-startGrace), 100)
			if err != nil {
				s.Logger.Warn("sweep unstarted conversations", "error", err)
				continue
			}
			for _, id := range ids {
				s.start(ctx, id, Opening{})
			}
			s.SweepRobotQuestions(ctx, time.Now())
		}
	}
}

// SweepRobotQuestions signals again the robot questions whose signal
// failed (Temporal's history was down when they were sent) in
// conversations quiet for startGrace before now. The workflow answers each
// question once however often it is signalled: a signal only says how far
// the questions go, and the robot's answers are keyed by question.
func (s *Service) SweepRobotQuestions(ctx context.Context, now time.Time) {
	qs, err := s.Log.RobotUnsignalled(ctx, now.Add(-startGrace), 100)
	if err != nil {
		s.Logger.Warn("sweep robot questions", "error", err)
		return
	}
	for _, q := range qs {
		sctx, cancel := context.WithTimeout(ctx, robotSweepTimeout)
		told := s.askRobot(sctx, q.ConversationID, Opening{}, q.Seq)
		cancel()
		if !told {
			// Temporal is still down: the next sweep tries again.
			return
		}
	}
}

// robotSweepTimeout bounds one signal of the sweep.
const robotSweepTimeout = 5 * time.Second

const (
	// startSweepEvery and startGrace bound how late a conversation whose
	// starter died gets its workflow: the sweep leaves recent ones to the
	// process that opened them.
	startSweepEvery = 2 * time.Second
	startGrace      = 3 * time.Second
	starters        = 16
)

func (s *Service) start(ctx context.Context, id string, o Opening) {
	if err := s.Flows.Start(ctx, id, o); err != nil {
		s.Logger.Warn("start conversation workflow; the sweep retries", "conversation", id, "error", err)
		return
	}
	if err := s.Log.MarkStarted(ctx, id); err != nil {
		s.Logger.Warn("mark conversation workflow started", "conversation", id, "error", err)
	}
}

// kick hands a conversation to the starter without waiting; a full queue
// leaves it to the sweep.
func (s *Service) kick(id string, o Opening) {
	select {
	case s.starts <- startJob{id, o}:
	default:
	}
}
