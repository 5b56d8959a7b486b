package chat

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/hours"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// Visitor is who sends: the token's user on the token's channel.
type Visitor struct {
	ChannelID string
	UserID    string
	UserName  string
}

// SendRequest is a visitor's send (spec 003 §7).
type SendRequest struct {
	ControlType    conversation.ControlType
	MediaType      string
	Content        string
	SenderNickname string
	// Key is the client's messageCode or Idempotency-Key.
	Key string
}

// Entry is what a visitor's way in adds to a CONNECT: the product card of
// the visitor entry (spec 001).
type Entry struct {
	ProductCard string
}

// Connect opens the visitor's conversation on the channel, or answers the
// open one. The conversation, the CONNECT and the greeting are written at
// once and the answer does not wait for the workflow, which a starter
// starts right after: the greeting is static configuration.
func (s *Service) Connect(ctx context.Context, ch conversation.Channel, v Visitor, e Entry, r SendRequest) (Result, error) {
	settings, err := json.Marshal(ch)
	if err != nil {
		return Result{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Result{}, err
	}
	n := chatlog.NewConversation{
		ID: id.String(), WorkflowID: conversation.WorkflowID(id.String()), TenantID: ch.TenantID,
		ChannelConfigID: ch.ID, UserID: v.UserID, UserName: v.UserName, SkillGroupID: ch.SkillGroupID,
		ProductCard: e.ProductCard, Settings: string(settings), RobotName: robotName(string(settings)),
		Messages: []chatlog.Message{customerMessage(v, r)},
	}
	res := ok(conversation.DescConnectRobot)
	switch {
	case ch.RobotEnabled:
		n.Phase = chatlog.PhaseRobot
		if ch.RobotGreeting != "" {
			n.Messages = append(n.Messages, chatlog.Message{
				ToVisitor: true, SenderType: string(conversation.SourceRobot), SenderID: ch.ID, SenderNickname: ch.RobotNickname,
				ControlType: string(conversation.ControlChat), MediaType: "TEXT", Content: ch.RobotGreeting,
			})
		}
	case agentsWorking(ch, time.Now()):
		now := time.Now().UTC()
		n.Phase, n.QueuedAt = chatlog.PhaseQueued, &now
		n.Messages = append(n.Messages, notice(ch, conversation.TextQueued, false))
		res = ok(conversation.DescConnectAgent)
	default:
		n.Phase = chatlog.PhaseClosed
		n.Messages = append(n.Messages, notice(ch, conversation.TextClosed, true))
		res = Result{Code: conversation.CodeNotWorkingHrs, Desc: conversation.DescNotWorkingHours}
	}
	c, created, err := s.Log.Open(ctx, n)
	if err != nil {
		return Result{}, err
	}
	if !created && c.Phase == chatlog.PhaseSatisfaction && c.Rated {
		// The visitor rated and comes back: the rated conversation closes
		// in a moment (its workflow acts on the rating), and this CONNECT
		// starts the next one rather than join the one that is closing.
		if closed, err := s.awaitClosed(ctx, c.ID); err != nil || !closed {
			return Result{}, errors.Join(err, ErrConversationClosing)
		}
		if c, created, err = s.Log.Open(ctx, n); err != nil {
			return Result{}, err
		}
	}
	if !created {
		// A repeated CONNECT changes nothing.
		if c.Phase == chatlog.PhaseRobot {
			return ok(conversation.DescConnectRobot), nil
		}
		return ok(conversation.DescConnectAgent), nil
	}
	s.kick(c.ID, openingOf(c))
	return res, nil
}

// closingWait bounds how long a CONNECT waits for the visitor's rated
// conversation to close; its workflow takes milliseconds when it runs.
const closingWait = 5 * time.Second

// ErrConversationClosing is a CONNECT that came while the visitor's rated
// conversation had not closed within closingWait: retry it.
var ErrConversationClosing = errors.New("the previous conversation is still closing")

// awaitClosed waits up to closingWait for conversation id to close. The
// close writes its closing notice, which wakes the conversation's waiters
// like any message, on this replica or through the tailer.
func (s *Service) awaitClosed(ctx context.Context, id string) (bool, error) {
	return s.Wait.Wait(ctx, chatlog.ConversationKey(id), closingWait, func(ctx context.Context) (bool, error) {
		c, err := s.Log.Get(ctx, id)
		return err == nil && c.Phase == chatlog.PhaseClosed, err
	})
}

// Send applies a visitor's CHAT, INPUT, TRANS2AGENT or DISCONNECT.
func (s *Service) Send(ctx context.Context, v Visitor, r SendRequest) (Result, error) {
	c, err := s.latest(ctx, v.ChannelID, v.UserID)
	if errors.Is(err, ErrNoConversation) || (err == nil && c.Phase == chatlog.PhaseClosed) {
		return noSession(r.ControlType), nil
	}
	if err != nil {
		return Result{}, err
	}
	if r.ControlType == conversation.ControlChat && c.Phase == chatlog.PhaseRobot {
		// The robot tells visitors to type 转人工: typing it is the transfer.
		transfer, err := s.transferIntent(ctx, c.TenantID, r.Content)
		if err != nil {
			return Result{}, err
		}
		if transfer {
			r.ControlType = conversation.ControlTrans2Agent
		}
	}
	switch r.ControlType {
	case conversation.ControlChat:
		p := files.Party{Type: files.PartyCustomer, TenantID: c.TenantID, ChannelConfigID: v.ChannelID, UserID: v.UserID}
		var key string
		if r.Content, key, err = s.attach(ctx, p, c.ID, r.MediaType, r.Content); err != nil {
			return Result{}, err
		}
		return s.chat(ctx, c, robotName(c.Settings), v, r, key)
	case conversation.ControlInput:
		return s.typing(ctx, c.Phase, c.TenantID, c.AgentID, c.ID)
	case conversation.ControlTrans2Agent:
		switch c.Phase {
		case chatlog.PhaseQueued:
			// A second transfer while still queued just answers success again.
			return ok(conversation.DescTransferOK), nil
		case chatlog.PhaseAgent:
			return failed(conversation.DescTransferIsAgent), nil
		case chatlog.PhaseSatisfaction:
			return failed(conversation.DescTransferNoSession), nil
		}
		return s.command(ctx, c, v, r, []string{chatlog.PhaseRobot})
	case conversation.ControlDisconnect:
		return s.command(ctx, c, v, r, []string{chatlog.PhaseRobot, chatlog.PhaseQueued, chatlog.PhaseAgent, chatlog.PhaseSatisfaction})
	}
	return failed("unknown controlType " + string(r.ControlType)), nil
}

// chat writes a visitor's line. While the robot serves, the robot is told;
// with an agent, the agent's feed gets it in the same write.
func (s *Service) chat(ctx context.Context, c models.Conversation, robot string, v Visitor, r SendRequest, fileKey string) (Result, error) {
	convID := c.ID
	res, err := s.Log.Append(ctx, chatlog.AppendRequest{
		ConversationID: convID, Phases: []string{chatlog.PhaseRobot, chatlog.PhaseQueued, chatlog.PhaseAgent},
		Message: customerMessage(v, r), Touch: true, TellAgent: true, RobotName: robot, AskRobot: true, Seen: &c,
	})
	var pe *chatlog.PhaseError
	if errors.As(err, &pe) {
		return failed(conversation.DescUserMessageFailed), nil
	}
	if err != nil {
		return Result{}, err
	}
	s.referenced(ctx, fileKey, res.Record.Seq)
	if res.Record.Phase != chatlog.PhaseRobot {
		return ok(conversation.DescUserMessage), nil
	}
	if res.Record.MediaType != "TEXT" {
		// The robot answers text; a file or a location waits in the
		// conversation for the agent a transfer brings.
		return ok(conversation.DescRobotChat), nil
	}
	// The question is in the log, marked unsignalled: a failed signal
	// (Temporal's history down) leaves it to the sweep (see Run).
	s.askRobot(ctx, convID, openingOf(c), res.Record.Seq)
	return ok(conversation.DescRobotChat), nil
}

// askRobot signals a robot question and, once the workflow has it, clears
// its mark; a failure is logged and left to the sweep. It answers whether
// the workflow was told.
func (s *Service) askRobot(ctx context.Context, convID string, o Opening, seq int64) bool {
	if err := s.Flows.AskRobot(ctx, convID, o, seq); err != nil {
		s.Logger.Warn("robot not told of a question; the sweep retries", "conversation", convID, "seq", seq, "error", err)
		return false
	}
	if err := s.Log.RobotSignalled(ctx, convID, seq); err != nil {
		// The sweep signals it again, which the workflow ignores.
		s.Logger.Warn("robot question's mark not cleared", "conversation", convID, "error", err)
	}
	return true
}

// typing shows the agent that the visitor types; it is never stored as a message.
func (s *Service) typing(ctx context.Context, phase, tenantID, agentID, convID string) (Result, error) {
	switch phase {
	case chatlog.PhaseRobot:
		return failed(conversation.DescInputRobot), nil
	case chatlog.PhaseQueued:
		return ok(conversation.DescUserMessage), nil
	case chatlog.PhaseAgent:
		err := s.Log.AddAgentEvents(ctx, tenantID, chatlog.AgentEvent{AgentID: agentID, Type: chatlog.EventTyping, ConversationID: convID})
		return ok(conversation.DescUserMessage), err
	}
	return failed(conversation.DescUserMessageFailed), nil
}

// command writes the visitor's TRANS2AGENT or DISCONNECT, then has the
// workflow act on it. A refused command writes nothing.
func (s *Service) command(ctx context.Context, c models.Conversation, v Visitor, r SendRequest, phases []string) (Result, error) {
	_, err := s.Log.Append(ctx, chatlog.AppendRequest{
		ConversationID: c.ID, Phases: phases, Message: customerMessage(v, r), Touch: true,
	})
	var pe *chatlog.PhaseError
	if errors.As(err, &pe) {
		if pe.Conv.Phase == chatlog.PhaseAgent && r.ControlType == conversation.ControlTrans2Agent {
			return failed(conversation.DescTransferIsAgent), nil
		}
		if pe.Conv.Phase == chatlog.PhaseQueued && r.ControlType == conversation.ControlTrans2Agent {
			return ok(conversation.DescTransferOK), nil
		}
		return noSession(r.ControlType), nil
	}
	if err != nil {
		return Result{}, err
	}
	return s.Flows.Command(ctx, c.ID, openingOf(c), conversation.CommandRequest{DedupeKey: r.Key, ControlType: r.ControlType})
}

func customerMessage(v Visitor, r SendRequest) chatlog.Message {
	media := r.MediaType
	if media == "" {
		media = "TEXT"
	}
	return chatlog.Message{
		SenderType: string(conversation.SourceCustomer), SenderID: v.UserID, SenderNickname: r.SenderNickname,
		ControlType: string(r.ControlType), MediaType: media, Content: r.Content, ClientKey: r.Key,
	}
}

func notice(ch conversation.Channel, key string, closing bool) chatlog.Message {
	return chatlog.Message{
		ToVisitor: true, SenderType: string(conversation.SourceSystem), SenderID: ch.ID,
		SenderNickname: conversation.Text(ch.Locale, conversation.TextSystemName), ControlType: string(conversation.ControlChat),
		MediaType: "TEXT", Content: conversation.Text(ch.Locale, key), Closing: closing,
	}
}

// noSession answers a send that names no open conversation, in the spec's words.
func noSession(t conversation.ControlType) Result {
	switch t {
	case conversation.ControlTrans2Agent:
		return failed(conversation.DescTransferNoSession)
	case conversation.ControlDisconnect:
		return failed(conversation.DescDisconnectFailed)
	}
	return failed(conversation.DescUserMessageFailed)
}

// agentsWorking reads the channel's schedule; one that cannot be read must
// not lock visitors out of agents.
func agentsWorking(ch conversation.Channel, now time.Time) bool {
	s, err := hours.Parse(ch.WorkingHours)
	if err != nil {
		return true
	}
	open, err := s.OpenAt(now, ch.TimeZone)
	return open || err != nil
}

// robotName is the robot's nickname from a conversation's settings: spec
// 001's service_name while the robot serves.
func robotName(settings string) string {
	var ch conversation.Channel
	if json.Unmarshal([]byte(settings), &ch) != nil || !ch.RobotEnabled {
		return ""
	}
	return ch.RobotNickname
}
