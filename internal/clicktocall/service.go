// Package clicktocall is the click-to-call service the API calls (spec 003
// §11–14, the agent's call controls and ccflow's signalling gateway): it
// reads and writes the call records (internal/calls) and asks the
// conversation and call workflows.
package clicktocall

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/ccflow/ccflow/internal/calls"
	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/call"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// Workflows is what the service asks of the conversation and call workflows.
type Workflows interface {
	// StartCall asks the conversation to place the call (its child workflow).
	StartCall(ctx context.Context, conversationID string, r conversation.CallRequest) (conversation.SendResult, error)
	// Update runs one of the call's updates; a refusal is a *RefusedError.
	Update(ctx context.Context, callID, name string, arg any) (call.Snapshot, error)
}

// Conversations finds a visitor's conversation (internal/chat's Service).
type Conversations interface {
	Conversation(ctx context.Context, channelID, userID string) (models.Conversation, error)
}

// RefusedError is a call update its workflow refused: the call is not in a
// state that takes it.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

// ErrNotYours is a call of another agent.
var ErrNotYours = errors.New("the call is not this agent's")

// Results of createClickToCall and dropClickToCall (spec 003 §11, §14).
const (
	CodeOK             = "0"
	CodeNotSupported   = "7"
	CodeNotWorkingHrs  = "12"
	CodeFailed         = "13"
	DescNotSupported   = "the channel does not support click-to-call"
	DescNoVideo        = "the channel does not support video calls"
	DescDropped        = "drop click to call success."
	DescNothingToDrop  = call.DescNothingToDrop
	DescCallInProgress = conversation.DescCallInProgress
	DescNoConversation = conversation.DescCallNoConversation
)

// Result is a spec result code and description.
type Result struct {
	Code string
	Desc string
}

// Visitor is the caller, as the token names them.
type Visitor struct {
	TenantID  string
	ChannelID string
	UserID    string
}

// Service runs the click-to-call operations of the API.
type Service struct {
	Store *calls.Store
	Chats Conversations
	Flows Workflows
	// Wait wakes long-polls on a call's key; nil polls every interval.
	Wait notify.Waiter
	// MaxDuration bounds a connected call (zero: 4 hours).
	MaxDuration time.Duration
}

// defaultMaxDuration ends a call nobody hung up (a closed laptop lid).
const defaultMaxDuration = 4 * time.Hour

// newSecret is 128 random bits in hex: call ids and access codes.
func newSecret() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// live reports whether a call row is still on.
func live(c models.ClickToCall) bool {
	return c.EndedAt == nil && (c.State == string(call.StateQueuing) || c.State == string(call.StateRinging) || c.State == string(call.StateConnected))
}

// Create places the visitor's call from their open conversation.
func (s *Service) Create(ctx context.Context, v Visitor, video bool) (Result, error) {
	set, err := s.Store.ChannelSettings(ctx, v.ChannelID)
	if err != nil {
		return Result{}, err
	}
	if !set.Enabled {
		return Result{CodeNotSupported, DescNotSupported}, nil
	}
	if video && !set.VideoAllowed {
		return Result{CodeNotSupported, DescNoVideo}, nil
	}
	conv, err := s.Chats.Conversation(ctx, v.ChannelID, v.UserID)
	if err != nil && !errors.Is(err, chatlog.ErrNotFound) && !errors.Is(err, chat.ErrNoConversation) {
		return Result{}, err
	}
	if err != nil || conv.Phase == chatlog.PhaseClosed || conv.Phase == chatlog.PhaseSatisfaction {
		return Result{CodeFailed, DescNoConversation}, nil
	}
	if prev, err := s.Store.Latest(ctx, v.ChannelID, v.UserID); err == nil && live(prev) {
		return Result{CodeFailed, DescCallInProgress}, nil
	} else if err != nil && !errors.Is(err, calls.ErrNotFound) {
		return Result{}, err
	}
	id, err := newSecret()
	if err != nil {
		return Result{}, err
	}
	code, err := newSecret()
	if err != nil {
		return Result{}, err
	}
	media := "audio"
	if video {
		media = "video"
	}
	row := models.ClickToCall{
		CallID: id, TenantID: v.TenantID, ChannelConfigID: v.ChannelID, UserID: v.UserID, MediaType: media,
		State: string(call.StateRequested), ConversationID: conv.ID, AccessCode: &code,
	}
	if err := s.Store.Create(ctx, row); err != nil {
		return Result{}, err
	}
	maxDur := s.MaxDuration
	if maxDur <= 0 {
		maxDur = defaultMaxDuration
	}
	res, err := s.Flows.StartCall(ctx, conv.ID, conversation.CallRequest{
		CallID: id, Video: video, MaxDuration: maxDur,
		QueueTimeout: time.Duration(set.QueueTimeoutSec) * time.Second,
		RingTimeout:  time.Duration(set.RingTimeoutSec) * time.Second,
	})
	if err != nil {
		return Result{}, err
	}
	if res.Code != CodeOK {
		// The call never began: its row ends here, so it blocks nothing.
		if err := s.Store.Abandon(ctx, id, res.Desc); err != nil {
			return Result{}, err
		}
	}
	return Result{res.Code, res.Desc}, nil
}

// Drop hangs up the visitor's call.
func (s *Service) Drop(ctx context.Context, v Visitor) (Result, error) {
	c, err := s.Store.Latest(ctx, v.ChannelID, v.UserID)
	if errors.Is(err, calls.ErrNotFound) || (err == nil && !live(c)) {
		return Result{CodeFailed, DescNothingToDrop}, nil
	}
	if err != nil {
		return Result{}, err
	}
	_, err = s.Flows.Update(ctx, c.CallID, call.UpdateDrop, call.DropRequest{Side: call.SideCustomer})
	var refused *RefusedError
	if errors.As(err, &refused) {
		return Result{CodeFailed, refused.Reason}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Result{CodeOK, DescDropped}, nil
}

// VisitorEvent is the next event getClickToCallEvents answers; Found is
// false when there was none.
type VisitorEvent struct {
	Found bool
	Event models.ClickToCallEvent
	Call  models.ClickToCall
}

// pollSlice bounds each wait on the notifier: a step written by a worker in
// another process wakes no one here, and is seen at the next slice.
const pollSlice = time.Second

// NextEvent hands out the visitor's next call event once, waiting up to
// wait for one.
func (s *Service) NextEvent(ctx context.Context, v Visitor, wait time.Duration) (VisitorEvent, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := s.Store.Latest(ctx, v.ChannelID, v.UserID)
		if errors.Is(err, calls.ErrNotFound) {
			return VisitorEvent{}, nil
		}
		if err != nil {
			return VisitorEvent{}, err
		}
		ev, ok, err := s.Store.NextEvent(ctx, c.CallID)
		if err != nil || ok {
			return VisitorEvent{Found: ok, Event: ev, Call: c}, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return VisitorEvent{}, nil
		}
		if err := s.pause(ctx, c.CallID, min(left, pollSlice), func(ctx context.Context) (bool, error) {
			cur, err := s.Store.Get(ctx, c.CallID)
			return err != nil || cur.LastEvent > cur.EventsDelivered, nil
		}); err != nil {
			return VisitorEvent{}, err
		}
	}
}

// pause waits on the call's key until ready, d, or ctx.
func (s *Service) pause(ctx context.Context, callID string, d time.Duration, ready func(context.Context) (bool, error)) error {
	if s.Wait != nil {
		_, err := s.Wait.Wait(ctx, calls.Key(callID), d, ready)
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Support is what a channel offers: click-to-call, and video calls with it.
type Support struct {
	ClickToCall bool
	Video       bool
}

// Supported reports what the channel offers: video only where click-to-call
// is on and the channel allows video (createClickToCall's mediaAbility 1).
func (s *Service) Supported(ctx context.Context, channelID string) (Support, error) {
	set, err := s.Store.ChannelSettings(ctx, channelID)
	if err != nil {
		return Support{}, err
	}
	return Support{ClickToCall: set.Enabled, Video: set.Enabled && set.VideoAllowed}, nil
}

// AgentCalls lists the agent's ringing and connected calls.
func (s *Service) AgentCalls(ctx context.Context, agentID string) ([]models.ClickToCall, error) {
	return s.Store.OfAgent(ctx, agentID)
}

// AgentCall returns one of the agent's calls; with wait, it waits until the
// visitor's offer is there (or the call ended).
func (s *Service) AgentCall(ctx context.Context, tenantID, agentID, callID string, wait time.Duration) (models.ClickToCall, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := s.Store.Get(ctx, callID)
		if err != nil {
			return c, err
		}
		if c.TenantID != tenantID || c.AgentID != agentID {
			return c, ErrNotYours
		}
		left := time.Until(deadline)
		if c.OfferSDP != nil || c.EndedAt != nil || left <= 0 {
			return c, nil
		}
		if err := s.pause(ctx, callID, min(left, pollSlice), func(ctx context.Context) (bool, error) {
			cur, err := s.Store.Get(ctx, callID)
			return err != nil || cur.OfferSDP != nil || cur.EndedAt != nil, nil
		}); err != nil {
			return c, err
		}
	}
}

// AgentAct is the agent's accept, reject or hang-up (call.UpdateAccept,
// UpdateReject, UpdateDrop) of one of their calls.
func (s *Service) AgentAct(ctx context.Context, tenantID, agentID, callID, name string) (call.Snapshot, error) {
	c, err := s.Store.Get(ctx, callID)
	if err != nil {
		return call.Snapshot{}, err
	}
	if c.TenantID != tenantID || c.AgentID != agentID {
		return call.Snapshot{}, ErrNotYours
	}
	var arg any = call.AgentRequest{AgentID: agentID}
	if name == call.UpdateDrop {
		arg = call.DropRequest{Side: call.SideAgent, AgentID: agentID}
	}
	return s.Flows.Update(ctx, callID, name, arg)
}

// AgentAnswer stores the agent's WebRTC answer to the visitor's offer.
func (s *Service) AgentAnswer(ctx context.Context, tenantID, agentID, callID, sdp string) error {
	c, err := s.Store.Get(ctx, callID)
	if err != nil {
		return err
	}
	if c.TenantID != tenantID || c.AgentID != agentID {
		return ErrNotYours
	}
	if c.State != string(call.StateConnected) {
		return &RefusedError{"the call is not connected"}
	}
	ok, err := s.Store.SetAnswer(ctx, callID, sdp)
	if err != nil {
		return err
	}
	if !ok {
		return &RefusedError{"the call has no offer to answer, or was answered already"}
	}
	return nil
}

// GatewayCall returns the call an access code opens; with wait, it waits
// until the agent's answer is there (or the call ended).
func (s *Service) GatewayCall(ctx context.Context, accessCode string, wait time.Duration) (models.ClickToCall, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := s.Store.ByAccessCode(ctx, accessCode)
		if err != nil {
			return c, err
		}
		left := time.Until(deadline)
		if c.AnswerSDP != nil || left <= 0 {
			return c, nil
		}
		if err := s.pause(ctx, c.CallID, min(left, pollSlice), func(ctx context.Context) (bool, error) {
			cur, err := s.Store.Get(ctx, c.CallID)
			return err != nil || cur.AnswerSDP != nil || cur.EndedAt != nil, nil
		}); err != nil {
			return c, err
		}
	}
}

// GatewayOffer stores the visitor's WebRTC offer, once the call is connected.
func (s *Service) GatewayOffer(ctx context.Context, accessCode, sdp string) (models.ClickToCall, error) {
	c, err := s.Store.ByAccessCode(ctx, accessCode)
	if err != nil {
		return c, err
	}
	if c.State != string(call.StateConnected) {
		return c, &RefusedError{"the call is not connected"}
	}
	ok, err := s.Store.SetOffer(ctx, c.CallID, sdp)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, &RefusedError{"the call has an offer already"}
	}
	return c, nil
}
