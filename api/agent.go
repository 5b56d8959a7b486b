package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/supervise"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// agentHandlers serve the agent workspace API, /api/agent/v1.
type agentHandlers struct {
	store  *agents.Store
	chat   *chat.Service
	ops    agentOps
	tokens *token.Issuer
	faq    *faq.Library
	bind   *binder
	// notes reads supervisors' whispers for the feed's whisper events.
	notes *supervise.Store
}

const (
	// maxEventWait bounds the events long-poll, in seconds.
	maxEventWait = 30
	// recentConversations is how many past conversations a list shows.
	recentConversations = 50
	// maxMessagesPage bounds one page of a conversation's messages.
	maxMessagesPage = 500
	// agentPhrases is how many canned phrases one look-up returns.
	agentPhrases = 10
)

// me loads the calling agent's profile from the database.
func (h *agentHandlers) me(c *gin.Context) (agents.Agent, error) {
	claims := agentFrom(c)
	a, err := h.store.Get(c.Request.Context(), claims.TenantID, claims.AgentID)
	if errors.Is(err, agents.ErrNotFound) {
		return a, errUnauthorized("the agent of this session no longer exists")
	}
	return a, err
}

func (h *agentHandlers) state(c *gin.Context) {
	a, err := h.me(c)
	if err != nil {
		jsonFail(c, err)
		return
	}
	r, err := h.ops.agent(c.Request.Context(), a.TenantID, a.ID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, stateOf(profileOf(a), r))
}

type statusRequest struct {
	Status routing.Status `json:"status" validate:"required,oneof=READY NOT_READY OFFLINE"`
}

// setStatus changes the agent's presence. The agent's current capacity and
// skills are read from the database here, so an admin's change applies at
// the agent's next status change.
func (h *agentHandlers) setStatus(c *gin.Context) {
	var req statusRequest
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	h.applyStatus(c, req.Status)
}

func (h *agentHandlers) applyStatus(c *gin.Context, s routing.Status) {
	a, err := h.me(c)
	if err != nil {
		jsonFail(c, err)
		return
	}
	// The feed learns the status first, so the assignments it brings come after it.
	if err := h.chat.AgentStatus(c.Request.Context(), a.TenantID, a.ID, string(s)); err != nil {
		jsonFail(c, err)
		return
	}
	r, err := h.ops.setStatus(c.Request.Context(), a.TenantID, routing.AgentStatus{
		AgentID: a.ID, Name: a.Nickname, SkillGroups: a.SkillGroups, Capacity: a.Capacity, Status: s,
	})
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, stateOf(profileOf(a), r))
}

// logout takes the agent offline; their conversations go back to the queue.
func (h *agentHandlers) logout(c *gin.Context) {
	h.applyStatus(c, routing.StatusOffline)
}

func (h *agentHandlers) events(c *gin.Context) {
	cursor, err := queryInt(c, "cursor", 0, 0, 1<<62)
	if err != nil {
		jsonFail(c, err)
		return
	}
	wait, err := queryInt(c, "wait", 0, 0, maxEventWait)
	if err != nil {
		jsonFail(c, err)
		return
	}
	claims := agentFrom(c)
	events, next, err := h.chat.AgentEvents(c.Request.Context(), claims.TenantID, claims.AgentID, cursor, time.Duration(wait)*time.Second)
	if err != nil {
		jsonFail(c, err)
		return
	}
	out, err := h.eventViews(c.Request.Context(), claims.AgentID, events)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"events": out, "cursor": next})
}

// queryInt reads an optional whole-number query parameter within bounds.
func queryInt(c *gin.Context, name string, def, lo, hi int64) (int64, error) {
	raw, ok := c.GetQuery(name)
	if !ok || raw == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errBadRequest(name + " must be a whole number from " + strconv.FormatInt(lo, 10) + " to " + strconv.FormatInt(hi, 10))
	}
	return n, nil
}

// listConversations shows the agent's open conversations, or with
// scope=recent their latest ones from the records.
func (h *agentHandlers) listConversations(c *gin.Context) {
	claims := agentFrom(c)
	ctx := c.Request.Context()
	switch c.DefaultQuery("scope", "active") {
	case "active":
		r, err := h.ops.agent(ctx, claims.TenantID, claims.AgentID)
		if err != nil {
			jsonFail(c, err)
			return
		}
		out, err := h.heldViews(ctx, r)
		if err != nil {
			jsonFail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"conversations": out})
	case "recent":
		rows, err := h.store.Recent(ctx, claims.TenantID, claims.AgentID, recentConversations)
		if err != nil {
			jsonFail(c, err)
			return
		}
		out := make([]conversationView, 0, len(rows))
		for _, row := range rows {
			out = append(out, recordView(row))
		}
		c.JSON(http.StatusOK, gin.H{"conversations": out})
	default:
		jsonFail(c, errBadRequest("scope must be active or recent"))
	}
}

// readable returns a conversation's record after checking that it belongs to
// the agent's tenant.
func (h *agentHandlers) readable(ctx context.Context, claims token.AgentClaims, id string) (models.Conversation, error) {
	row, err := h.store.Conversation(ctx, id)
	if err != nil {
		return row, err
	}
	if row.TenantID != claims.TenantID {
		return row, errForbidden("the conversation belongs to another tenant")
	}
	return row, nil
}

// serving returns the record of a conversation of the agent's tenant for a
// command. Whether the agent serves it now is the conversation workflow's
// call (its validators refuse anyone else): the agent's hot path reads one
// row and never asks routing.
func (h *agentHandlers) serving(c *gin.Context) (models.Conversation, bool) {
	row, err := h.readable(c.Request.Context(), agentFrom(c), c.Param("id"))
	if err != nil {
		jsonFail(c, err)
		return row, false
	}
	return row, true
}

func (h *agentHandlers) getConversation(c *gin.Context) {
	ctx := c.Request.Context()
	row, err := h.readable(ctx, agentFrom(c), c.Param("id"))
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, recordView(row))
}

func (h *agentHandlers) listMessages(c *gin.Context) {
	claims := agentFrom(c)
	ctx := c.Request.Context()
	after, err := queryInt(c, "after", 0, 0, 1<<62)
	if err != nil {
		jsonFail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 100, 1, maxMessagesPage)
	if err != nil {
		jsonFail(c, err)
		return
	}
	row, err := h.readable(ctx, claims, c.Param("id"))
	if err != nil {
		jsonFail(c, err)
		return
	}
	rows, err := h.chat.Log.Messages(ctx, c.Param("id"), after, int(limit))
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := make([]messageView, 0, len(rows))
	for _, r := range rows {
		out = append(out, chatView(r))
	}
	// The delivery mark is read with the record before the messages, so it
	// never claims more than the page could have shown.
	c.JSON(http.StatusOK, gin.H{"messages": out, "deliveredSeq": row.DeliveredSeq})
}

type agentSendBody struct {
	Content     string `json:"content" validate:"required,max=8000"`
	MediaType   string `json:"mediaType" validate:"omitempty,oneof=TEXT IMAGE AUDIO VIDEO FILE FILE_IMAGE FILE_VIDEO LOCATE"`
	MessageCode string `json:"messageCode" validate:"max=64"`
}

func (h *agentHandlers) sendMessage(c *gin.Context) {
	var req agentSendBody
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	if err := chat.CheckMedia(req.MediaType, req.Content); err != nil {
		jsonFail(c, errBadRequest(err.Error()))
		return
	}
	row, ok := h.serving(c)
	if !ok {
		return
	}
	key := req.MessageCode
	if key == "" {
		key = c.GetHeader("Idempotency-Key")
	}
	m, err := h.chat.AgentSend(c.Request.Context(), agentFrom(c).AgentID, row, key, req.MediaType, req.Content)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"message": chatView(m)})
}

type transferBody struct {
	AgentID      string `json:"agentId" validate:"omitempty,max=64"`
	SkillGroupID int64  `json:"skillGroupId" validate:"omitempty,min=1"`
}

// transfer hands the conversation to another agent of the tenant or to one of its skill groups.
func (h *agentHandlers) transfer(c *gin.Context) {
	var req transferBody
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	if (req.AgentID == "") == (req.SkillGroupID == 0) {
		jsonFail(c, errBadRequest("give exactly one of agentId and skillGroupId"))
		return
	}
	claims := agentFrom(c)
	ctx := c.Request.Context()
	var err error
	if req.AgentID != "" {
		_, err = h.store.Get(ctx, claims.TenantID, req.AgentID)
	} else {
		_, err = h.store.SkillGroup(ctx, claims.TenantID, req.SkillGroupID)
	}
	if errors.Is(err, agents.ErrNotFound) {
		err = errBadRequest("no such transfer target in this tenant")
	}
	if err != nil {
		jsonFail(c, err)
		return
	}
	updateID, err := commandKey(c, "transfer", claims.AgentID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	row, ok := h.serving(c)
	if !ok {
		return
	}
	var snap conversation.Snapshot
	err = h.ops.command(ctx, row.WorkflowID, conversation.UpdateAgentTransfer, updateID, conversation.AgentTransferRequest{
		AgentID: claims.AgentID, ConversationID: row.ID, ToAgentID: req.AgentID, ToSkillGroupID: req.SkillGroupID,
	}, &snap)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, snapshotView(snap))
}

// close ends the service; the visitor is asked for a rating. When the
// conversation's workflow is gone, routing is told to free the agent's slot,
// so a conversation that vanished never holds capacity.
func (h *agentHandlers) close(c *gin.Context) {
	claims := agentFrom(c)
	updateID, err := commandKey(c, "close", claims.AgentID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	row, ok := h.serving(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	var snap conversation.Snapshot
	err = h.ops.command(ctx, row.WorkflowID, conversation.UpdateAgentClose, updateID,
		conversation.AgentCloseRequest{AgentID: claims.AgentID, ConversationID: row.ID}, &snap)
	if errors.Is(err, errConversationGone) {
		if relErr := h.ops.release(ctx, claims.TenantID, row.ID); relErr != nil {
			err = relErr
		}
	}
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, snapshotView(snap))
}

// commandKey turns a command's Idempotency-Key header into its update ID,
// scoped to the command and the agent, so that a close or transfer retried
// after a lost answer gets the first one's answer instead of a refusal
// (the first one made the conversation no longer the agent's). No header:
// every call is its own command.
func commandKey(c *gin.Context, command, agentID string) (string, error) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	if len(key) > maxIdempotencyKey {
		return "", errBadRequest(fmt.Sprintf("Idempotency-Key is longer than %d characters", maxIdempotencyKey))
	}
	return "agent-" + command + ":" + agentID + ":" + key, nil
}

// maxIdempotencyKey is the longest Idempotency-Key, as for sends.
const maxIdempotencyKey = 64

func snapshotView(s conversation.Snapshot) conversationView {
	return conversationView{
		ID: s.ConversationID, UserID: s.UserID, UserName: s.UserName, Phase: string(s.Phase), SkillGroupID: s.SkillGroupID,
		AgentID: s.AgentID, ChannelConfigID: s.ChannelID, QueuedAt: s.QueuedAt, AssignedAt: s.AssignedAt,
	}
}

// queue shows the waiting conversations of the agent's skill groups, and those transferred to the agent.
func (h *agentHandlers) queue(c *gin.Context) {
	a, err := h.me(c)
	if err != nil {
		jsonFail(c, err)
		return
	}
	ctx := c.Request.Context()
	groups, err := h.store.SkillGroups(ctx, a.TenantID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	q, err := h.ops.queues(ctx, a.TenantID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	now := time.Now()
	out := []queueView{}
	for _, g := range groups {
		if !slices.Contains(a.SkillGroups, g.ID) {
			continue
		}
		v := queueView{ID: g.ID, Name: g.Name, Waiting: []waitingView{}, EstimateWaitSeconds: q.Estimates[g.ID]}
		for _, e := range q.Waiting {
			if e.SkillGroupID != g.ID || (e.TargetAgentID != "" && e.TargetAgentID != a.ID) {
				continue
			}
			v.Waiting = append(v.Waiting, waitingView{
				ConversationID: e.ConversationID, UserID: e.UserID, UserName: e.UserName, Position: len(v.Waiting) + 1,
				WaitSeconds: int(max(0, now.Sub(e.QueuedAt)) / time.Second), FromAgentID: e.FromAgentID, TargetAgentID: e.TargetAgentID,
			})
		}
		for _, ag := range q.Agents {
			if ag.Status == routing.StatusReady && slices.Contains(ag.SkillGroups, g.ID) {
				v.ReadyAgents++
			}
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"skillGroups": out})
}

type phraseView struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// phrases suggests canned answers from the tenant's FAQ for a keyword.
func (h *agentHandlers) phrases(c *gin.Context) {
	claims := agentFrom(c)
	keyword := c.Query("keyword")
	if len([]rune(keyword)) > 100 {
		jsonFail(c, errBadRequest("keyword must be at most 100 characters"))
		return
	}
	ctx := c.Request.Context()
	questions, err := h.faq.Suggest(ctx, claims.TenantID, keyword, agentPhrases)
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := []phraseView{}
	for _, q := range questions {
		res, err := h.faq.Answer(ctx, claims.TenantID, q)
		if err != nil {
			jsonFail(c, err)
			return
		}
		if res.Matched {
			out = append(out, phraseView{Question: q, Answer: res.Entry.Answer})
		}
	}
	c.JSON(http.StatusOK, gin.H{"phrases": out})
}
