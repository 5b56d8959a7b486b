package chat

import (
	"context"
	"errors"
	"time"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
)

// PollRequest asks for downlink messages: without a cursor those not yet
// delivered, with one those after it; Wait turns it into a long-poll.
type PollRequest struct {
	HasCursor bool
	Cursor    int64
	Wait      time.Duration
}

// PollResult is the messages and the cursor after them. A cursor-less
// poll's messages count as delivered only when the caller says the answer
// went out (Delivered): a poll whose client left delivers nothing.
type PollResult struct {
	Messages       []models.ChatRecord
	Cursor         int64
	ConversationID string
	// Ack is the seq Deliver marks, From the mark before; Ack is 0 when
	// there is nothing to mark.
	Ack, From int64
	// AgentTyping says the serving agent is typing (ccflow's addition).
	AgentTyping bool
}

// pollPage bounds one poll's answer; the rest comes with the next.
const pollPage = 200

// Poll reads the visitor's downlink messages from the log.
func (s *Service) Poll(ctx context.Context, v Visitor, r PollRequest) (PollResult, error) {
	res := PollResult{Cursor: r.Cursor}
	c, err := s.Log.LatestMarks(ctx, v.ChannelID, v.UserID)
	if errors.Is(err, chatlog.ErrNotFound) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.ConversationID = c.ID
	after := c.DeliveredSeq
	if r.HasCursor {
		after = r.Cursor
		if after > c.LastSeq {
			// A cursor of an earlier conversation: this one starts over.
			after = 0
		}
	}
	typing := newTypingWatch(s.Log, c)
	read := func(ctx context.Context) (bool, error) {
		msgs, err := s.Log.Downlink(ctx, c.ID, after, pollPage)
		res.Messages = msgs
		if err != nil || len(msgs) > 0 {
			return len(msgs) > 0, err
		}
		return typing.changed(ctx)
	}
	// Wait makes the first read itself, after subscribing (and only that
	// one read without a wait): a read here first would be a second one
	// for every poll that finds nothing, which is most of an idle one's.
	if _, err := s.Wait.Wait(ctx, chatlog.ConversationKey(c.ID), r.Wait, read); err != nil {
		return res, err
	}
	res.AgentTyping = typing.typing(time.Now(), res.Messages)
	res.Cursor = after
	if n := len(res.Messages); n > 0 {
		res.Cursor = res.Messages[n-1].Seq
		if !r.HasCursor {
			res.Ack, res.From = res.Cursor, after
		}
	}
	return res, nil
}

// Deliver marks a cursor-less poll's messages delivered, then writes the
// answer; when the write fails (the client left), the mark goes back, so a
// poll whose answer never reached its client delivers nothing. Marking first
// keeps a restart right after the answer from handing the messages out twice.
func (s *Service) Deliver(ctx context.Context, res PollResult, write func() bool) error {
	if res.Ack == 0 {
		write()
		return nil
	}
	if err := s.Log.MarkDelivered(ctx, res.ConversationID, res.Ack); err != nil {
		return err
	}
	if write() {
		return nil
	}
	return s.Log.UnmarkDelivered(context.WithoutCancel(ctx), res.ConversationID, res.Ack, res.From)
}

// Rate stores the visitor's satisfaction rating (spec 003 §6) and tells the
// conversation, which closes if it was waiting for it.
func (s *Service) Rate(ctx context.Context, v Visitor, evaluation int, comment string) (Result, error) {
	noCall := Result{Code: "13", Desc: "The callIdString obtained failed!"}
	c, err := s.latest(ctx, v.ChannelID, v.UserID)
	if errors.Is(err, ErrNoConversation) {
		return noCall, nil
	}
	if err != nil {
		return Result{}, err
	}
	rated, err := s.Log.Rate(ctx, c.ID, models.SatisfactionRating{Evaluation: evaluation, Comment: comment})
	if err != nil || !rated {
		return noCall, err
	}
	if err := s.Flows.Rated(ctx, c.ID); err != nil {
		// Stored; the satisfaction phase times out on its own if the signal is lost.
		s.Logger.Warn("conversation not told of its rating", "conversation", c.ID, "error", err)
	}
	return ok("Save satisfaction success!"), nil
}
