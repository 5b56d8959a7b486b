package chat_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/transfer"
	"github.com/ccflow/ccflow/models/modelstest"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// fakeFlows records what the message path asks of the workflows.
type fakeFlows struct {
	chat.Workflows
	asked    []int64
	commands []conversation.ControlType
}

func (f *fakeFlows) AskRobot(_ context.Context, _ string, _ chat.Opening, seq int64) error {
	f.asked = append(f.asked, seq)
	return nil
}

func (f *fakeFlows) Command(_ context.Context, _ string, _ chat.Opening, r conversation.CommandRequest) (conversation.SendResult, error) {
	f.commands = append(f.commands, r.ControlType)
	return conversation.SendResult{Code: conversation.CodeOK, Desc: conversation.DescTransferOK}, nil
}

// The robot tells a visitor to type 转人工; typing it (or 人工, 客服, human,
// agent) while the robot serves is a TRANS2AGENT, not another miss
// (issue 11). A question that only contains such a word stays the robot's.
func TestTypingTransferReachesAnAgent(t *testing.T) {
	ctx := context.Background()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t)}
	flows := &fakeFlows{}
	s := chat.NewService(l, nil, flows, slog.New(slog.DiscardHandler))
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: "c1", TenantID: "demo", ChannelConfigID: "ch",
		UserID: "u1", Phase: chatlog.PhaseRobot, Settings: "{}"})
	require.NoError(t, err)
	v := chat.Visitor{ChannelID: "ch", UserID: "u1"}

	res, err := s.Send(ctx, v, chat.SendRequest{ControlType: conversation.ControlChat, Content: "客服电话是多少？"})
	require.NoError(t, err)
	require.Equal(t, conversation.DescRobotChat, res.Desc)
	require.Len(t, flows.asked, 1, "a question with 客服 in it goes to the robot")
	require.Empty(t, flows.commands)

	res, err = s.Send(ctx, v, chat.SendRequest{ControlType: conversation.ControlChat, Content: " 转人工！"})
	require.NoError(t, err)
	require.Equal(t, conversation.DescTransferOK, res.Desc)
	require.Equal(t, []conversation.ControlType{conversation.ControlTrans2Agent}, flows.commands)
	require.Len(t, flows.asked, 1, "not asked of the robot")

	for _, words := range []string{"人工", "客服", "Human", "talk to an agent.", "AGENT"} {
		require.True(t, chat.TransferIntent(words), words)
	}
	for _, words := range []string{"人工智能是什么", "agent fees", "版本", ""} {
		require.False(t, chat.TransferIntent(words), words)
	}
}

// fakeTransfer is a tenant's own transfer lines.
type fakeTransfer struct{ words map[string][]string }

func (f fakeTransfer) Matches(_ context.Context, tenantID, content string) (bool, error) {
	return transfer.NewSet(f.words[tenantID]).Matches(content), nil
}

func (fakeTransfer) Invalidate(string) {}

// A tenant's own transfer lines replace the built-in ones (issue 11).
func TestTenantsOwnTransferWords(t *testing.T) {
	ctx := context.Background()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t)}
	flows := &fakeFlows{}
	s := chat.NewService(l, nil, flows, slog.New(slog.DiscardHandler))
	s.Transfer = fakeTransfer{words: map[string][]string{"demo": {"找真人"}}}
	_, _, err := l.Open(ctx, chatlog.NewConversation{ID: "c1", TenantID: "demo", ChannelConfigID: "ch",
		UserID: "u1", Phase: chatlog.PhaseRobot, Settings: "{}"})
	require.NoError(t, err)
	v := chat.Visitor{ChannelID: "ch", UserID: "u1"}

	res, err := s.Send(ctx, v, chat.SendRequest{ControlType: conversation.ControlChat, Content: "转人工"})
	require.NoError(t, err)
	require.Equal(t, conversation.DescRobotChat, res.Desc, "not this tenant's word: a question for the robot")
	require.Empty(t, flows.commands)

	res, err = s.Send(ctx, v, chat.SendRequest{ControlType: conversation.ControlChat, Content: "找真人！"})
	require.NoError(t, err)
	require.Equal(t, conversation.DescTransferOK, res.Desc)
	require.Equal(t, []conversation.ControlType{conversation.ControlTrans2Agent}, flows.commands)
}
