package chat_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// historyFlows is Temporal whose history service can be down: a robot
// question's signal fails then, as SignalWithStart does.
type historyFlows struct {
	chat.Workflows
	down bool
	told []int64
}

func (f *historyFlows) AskRobot(_ context.Context, _ string, _ chat.Opening, seq int64) error {
	if f.down {
		return errors.New("history service unavailable")
	}
	f.told = append(f.told, seq)
	return nil
}

// A robot question acknowledged while Temporal's history was down (in the
// log, its signal failed) is signalled by the sweep once history is back,
// and only once: the signal's success clears the question's mark.
func TestRobotQuestionSentWhileHistoryWasDownIsSignalledOnceItIsBack(t *testing.T) {
	ctx := context.Background()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t)}
	flows := &historyFlows{down: true}
	s := chat.NewService(l, nil, flows, slog.New(slog.DiscardHandler))
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: "c1", TenantID: "demo", ChannelConfigID: "ch",
		UserID: "u1", Phase: chatlog.PhaseRobot, Settings: "{}"})
	require.NoError(t, err)
	v := chat.Visitor{ChannelID: "ch", UserID: "u1"}

	res, err := s.Send(ctx, v, chat.SendRequest{ControlType: conversation.ControlChat, Content: "版本"})
	require.NoError(t, err)
	require.Equal(t, conversation.DescRobotChat, res.Desc, "the send is acknowledged: the question is in the log")
	question := mustLatest(t, l, "ch", "u1").LastSeq
	require.Empty(t, flows.told)

	// While history is down the sweep fails too, and keeps the question.
	s.SweepRobotQuestions(ctx, time.Now().Add(time.Minute))
	require.Empty(t, flows.told)

	// History is back: the sweep leaves a just-sent question to its own send…
	flows.down = false
	s.SweepRobotQuestions(ctx, time.Now())
	require.Empty(t, flows.told)
	// …and signals one that waited.
	s.SweepRobotQuestions(ctx, time.Now().Add(time.Minute))
	require.Equal(t, []int64{question}, flows.told)
	s.SweepRobotQuestions(ctx, time.Now().Add(2*time.Minute))
	require.Equal(t, []int64{question}, flows.told, "signalled once")

	// A question whose own signal got through is not signalled again.
	_, err = s.Send(ctx, v, chat.SendRequest{ControlType: conversation.ControlChat, Content: "网格"})
	require.NoError(t, err)
	second := mustLatest(t, l, "ch", "u1").LastSeq
	s.SweepRobotQuestions(ctx, time.Now().Add(time.Minute))
	require.Equal(t, []int64{question, second}, flows.told)
}

// A question left unsignalled in a conversation that has left the robot
// (transferred meanwhile) is not the robot's any more: no signal.
func TestRobotSweepSkipsConversationsTheRobotNoLongerServes(t *testing.T) {
	ctx := context.Background()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t)}
	flows := &historyFlows{down: true}
	s := chat.NewService(l, nil, flows, slog.New(slog.DiscardHandler))
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: "c1", TenantID: "demo", ChannelConfigID: "ch",
		UserID: "u1", Phase: chatlog.PhaseRobot, Settings: "{}"})
	require.NoError(t, err)
	_, err = s.Send(ctx, chat.Visitor{ChannelID: "ch", UserID: "u1"}, chat.SendRequest{ControlType: conversation.ControlChat, Content: "版本"})
	require.NoError(t, err)
	_, err = l.Apply(ctx, chatlog.Transition{ConversationID: "c1", Number: 1, Phase: chatlog.PhaseQueued})
	require.NoError(t, err)
	flows.down = false
	s.SweepRobotQuestions(ctx, time.Now().Add(time.Minute))
	require.Empty(t, flows.told)
}

func mustLatest(t *testing.T, l *chatlog.Log, channelID, userID string) models.Conversation {
	t.Helper()
	c, err := l.Latest(context.Background(), channelID, userID)
	require.NoError(t, err)
	return c
}
