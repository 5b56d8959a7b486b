package api

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/supervise"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/routing"
)

// eventViews renders an agent's events as the console reads them. Events
// point at what they are about; the message and the conversation are read
// from the log, so the feed holds no copy of a visitor's words.
func (h *agentHandlers) eventViews(ctx context.Context, agentID string, events []models.AgentEvent) ([]eventView, error) {
	out := make([]eventView, 0, len(events))
	convs := map[string]models.Conversation{}
	for _, e := range events {
		v := eventView{Seq: e.Seq, Type: e.Type, ConversationID: e.ConversationID, At: e.CreatedAt}
		var p chatlog.EventPayload
		if e.Payload != "" {
			if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
				return nil, err
			}
		}
		v.Status, v.CallID = p.Status, p.CallID
		switch e.Type {
		case chatlog.EventMessage:
			m, err := h.chat.Log.Message(ctx, e.ConversationID, e.MessageSeq)
			if err != nil {
				return nil, err
			}
			mv := chatView(m)
			v.Message = &mv
		case eventWhisper:
			// A note that is gone leaves the event without one: the feed
			// must go on past it.
			n, err := h.notes.Note(ctx, agentID, uint64(e.MessageSeq))
			if err != nil && !errors.Is(err, supervise.ErrNoNote) {
				return nil, err
			}
			if err == nil {
				nv := viewNote(n)
				v.Note = &nv
			}
		case chatlog.EventAssigned:
			row, ok := convs[e.ConversationID]
			if !ok {
				var err error
				if row, err = h.chat.Log.Get(ctx, e.ConversationID); err != nil {
					return nil, err
				}
				convs[e.ConversationID] = row
			}
			cv := recordView(row)
			cv.Phase, cv.AgentID, cv.FromAgentID, cv.ClosedAt, cv.CloseReason = "AGENT", agentID, p.FromAgentID, nil, ""
			v.Conversation = &cv
		}
		out = append(out, v)
	}
	return out, nil
}

// heldViews are the conversations routing says the agent holds, with what
// their rows add (the product card).
func (h *agentHandlers) heldViews(ctx context.Context, a routing.Agent) ([]conversationView, error) {
	out := []conversationView{}
	for _, held := range a.Conversations {
		v := heldView(a.ID, held)
		row, err := h.chat.Log.Get(ctx, held.ConversationID)
		if err == nil {
			v.ProductCard = card(row.ProductCard)
		} else if err != chatlog.ErrNotFound {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
