package chat_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// inSatisfaction opens user's conversation id served by an agent and moves
// it to the satisfaction phase, rated or not.
func inSatisfaction(t *testing.T, l *chatlog.Log, id, user string, rated bool) {
	t.Helper()
	ctx := context.Background()
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: id, TenantID: "demo", ChannelConfigID: "ch",
		UserID: user, Phase: chatlog.PhaseAgent, Settings: "{}"})
	require.NoError(t, err)
	agent, joined := "a1", true
	_, err = l.Apply(ctx, chatlog.Transition{ConversationID: id, Number: 1, Phase: chatlog.PhaseSatisfaction,
		Set: chatlog.Fields{AgentID: &agent, AgentJoined: &joined}})
	require.NoError(t, err)
	if rated {
		ok, err := l.Rate(ctx, id, models.SatisfactionRating{Evaluation: 5})
		require.NoError(t, err)
		require.True(t, ok)
	}
}

// A visitor who rated and CONNECTs again gets a new conversation once the
// rated one closes, not the one that is closing (whose TRANS2AGENT would
// answer 13).
func TestConnectAfterARatingStartsTheNextConversation(t *testing.T) {
	ctx := context.Background()
	hub := notify.NewHub()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t), Pub: hub}
	s := chat.NewService(l, hub, &fakeFlows{}, slog.New(slog.DiscardHandler))
	ch := conversation.Channel{ID: "ch", TenantID: "demo", RobotEnabled: true, RobotGreeting: "hi"}
	connect := chat.SendRequest{ControlType: conversation.ControlConnect}

	inSatisfaction(t, l, "rated", "u1", true)
	go func() {
		time.Sleep(100 * time.Millisecond) // the workflow acting on the rating
		// As the workflow closes it: with the closing notice, which wakes waiters.
		_, err := l.Apply(context.Background(), chatlog.Transition{ConversationID: "rated", Number: 2, Phase: chatlog.PhaseClosed,
			Messages: []chatlog.Message{{ToVisitor: true, SenderType: "SYSTEM", ControlType: "CHAT", MediaType: "TEXT", Content: "bye", Closing: true}}})
		require.NoError(t, err)
	}()
	res, err := s.Connect(ctx, ch, chat.Visitor{ChannelID: "ch", UserID: "u1"}, chat.Entry{}, connect)
	require.NoError(t, err)
	require.Equal(t, conversation.CodeOK, res.Code)
	latest, err := l.Latest(ctx, "ch", "u1")
	require.NoError(t, err)
	require.NotEqual(t, "rated", latest.ID, "a new conversation")
	require.Equal(t, chatlog.PhaseRobot, latest.Phase)

	// One that does not close in time: a retryable error, and nothing new.
	inSatisfaction(t, l, "stuck", "u2", true)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = s.Connect(short, ch, chat.Visitor{ChannelID: "ch", UserID: "u2"}, chat.Entry{}, connect)
	require.ErrorIs(t, err, chat.ErrConversationClosing)
	latest, err = l.Latest(ctx, "ch", "u2")
	require.NoError(t, err)
	require.Equal(t, "stuck", latest.ID)

	// Not rated yet: a CONNECT changes nothing, as before.
	inSatisfaction(t, l, "unrated", "u3", false)
	res, err = s.Connect(ctx, ch, chat.Visitor{ChannelID: "ch", UserID: "u3"}, chat.Entry{}, connect)
	require.NoError(t, err)
	require.Equal(t, conversation.CodeOK, res.Code)
	latest, err = l.Latest(ctx, "ch", "u3")
	require.NoError(t, err)
	require.Equal(t, "unrated", latest.ID)
}

// startedFlows records the workflow starts the service's starters make.
type startedFlows struct {
	chat.Workflows
	started chan startedWith
}

// startedWith is one start: the conversation and what its opener told.
type startedWith struct {
	id string
	o  chat.Opening
}

func (f *startedFlows) Start(_ context.Context, id string, o chat.Opening) error {
	f.started <- startedWith{id, o}
	return nil
}

// AskRobot and Command can start the workflow too (its starter may lag).
func (f *startedFlows) AskRobot(_ context.Context, id string, o chat.Opening, _ int64) error {
	f.started <- startedWith{id, o}
	return nil
}

func (f *startedFlows) Command(_ context.Context, id string, o chat.Opening, _ conversation.CommandRequest) (conversation.SendResult, error) {
	f.started <- startedWith{id, o}
	return conversation.SendResult{Code: conversation.CodeOK, Desc: conversation.DescTransferOK}, nil
}

// A CONNECT starts the conversation's workflow listed as it opened: tenant,
// channel, visitor, phase and skill group are the start's search
// attributes, so the workflow's first step has nothing to upsert. A robot
// question and a command, which start the workflow when the CONNECT's
// starter lags (a burst of arrivals), carry the same.
func TestConnectStartsTheWorkflowListed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := notify.NewHub()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t), Pub: hub}
	flows := &startedFlows{started: make(chan startedWith, 4)}
	s := chat.NewService(l, hub, flows, slog.New(slog.DiscardHandler))
	go s.Run(ctx)
	connect := chat.SendRequest{ControlType: conversation.ControlConnect}

	for _, tc := range []struct {
		ch    conversation.Channel
		phase conversation.Phase
	}{
		{conversation.Channel{ID: "robot", TenantID: "demo", RobotEnabled: true, SkillGroupID: 11}, conversation.PhaseRobot},
		{conversation.Channel{ID: "agents", TenantID: "demo", SkillGroupID: 12}, conversation.PhaseQueued},
	} {
		_, err := s.Connect(ctx, tc.ch, chat.Visitor{ChannelID: tc.ch.ID, UserID: "u1", UserName: "Ann"}, chat.Entry{}, connect)
		require.NoError(t, err)
		var got startedWith
		select {
		case got = <-flows.started:
		case <-time.After(5 * time.Second):
			t.Fatal("no workflow started")
		}
		c, err := l.Latest(ctx, tc.ch.ID, "u1")
		require.NoError(t, err)
		require.Equal(t, c.ID, got.id)
		require.Contains(t, got.o.Summary, "visitor Ann (u1)")
		require.Equal(t, &conversation.Listing{TenantID: "demo", ChannelID: tc.ch.ID, UserID: "u1",
			Phase: tc.phase, SkillGroupID: tc.ch.SkillGroupID}, got.o.Listing)
	}

	v := chat.Visitor{ChannelID: "robot", UserID: "u1", UserName: "Ann"}
	for _, r := range []chat.SendRequest{
		{ControlType: conversation.ControlChat, MediaType: "TEXT", Content: "版本"},
		{ControlType: conversation.ControlTrans2Agent},
	} {
		_, err := s.Send(ctx, v, r)
		require.NoError(t, err)
		got := <-flows.started
		require.Contains(t, got.o.Summary, "visitor Ann (u1)", r.ControlType)
		require.Equal(t, &conversation.Listing{TenantID: "demo", ChannelID: "robot", UserID: "u1",
			Phase: conversation.PhaseRobot, SkillGroupID: 11}, got.o.Listing, r.ControlType)
	}
}
