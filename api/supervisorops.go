package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// The supervisor's calls that need the workflows: the estimated waits
// (routing's numbers, the ones queryQueueInfo gives visitors) and taking a
// conversation over.

type groupEstimateView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// EstimateWaitSeconds is nil while routing has no real wait to go by.
	EstimateWaitSeconds *int `json:"estimateWaitSeconds"`
}

// estimates answers the estimated wait of each skill group of the tenant:
// the mean of the group's last real waits, as routing keeps them for
// queryQueueInfo. It is its own call, which the page reads less often than
// the live view, because it asks the routing workflow (a query: no history,
// but a workflow task on a worker) while the live view reads only the
// database.
func (h *supervisorHandlers) estimates(c *gin.Context) {
	if h.ops.c == nil {
		jsonFail(c, errUnavailable)
		return
	}
	ctx := c.Request.Context()
	tenant := agentFrom(c).TenantID
	groups, err := h.agents.SkillGroups(ctx, tenant)
	if err != nil {
		jsonFail(c, err)
		return
	}
	q, err := h.ops.queues(ctx, tenant)
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := make([]groupEstimateView, 0, len(groups))
	for _, g := range groups {
		v := groupEstimateView{ID: g.ID, Name: g.Name}
		// Routing answers 0 for a group without recent waits: no estimate.
		if s, ok := q.Estimates[g.ID]; ok && s > 0 {
			v.EstimateWaitSeconds = &s
		}
		out = append(out, v)
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"skillGroups": out})
}

// takeOver hands a live conversation to the supervisor: a transfer to the
// supervisor on behalf of the agent serving it, through the conversation
// workflow's ordinary transfer (routing then assigns it to the supervisor,
// who must be ready with a free slot, so it is not left waiting). A
// conversation that waits, has closed or is the supervisor's own answers 409
// and nothing changes.
func (h *supervisorHandlers) takeOver(c *gin.Context) {
	claims := agentFrom(c)
	ctx := c.Request.Context()
	row, err := h.agents.Conversation(ctx, c.Param("id"))
	if err == nil && row.TenantID != claims.TenantID {
		err = errForbidden("the conversation belongs to another tenant")
	}
	if err != nil {
		jsonFail(c, err)
		return
	}
	switch {
	case row.Phase != string(conversation.PhaseAgent) || row.AgentID == "":
		jsonFail(c, errConflict("no agent serves this conversation now (it waits or has closed): nothing to take over"))
		return
	case row.AgentID == claims.AgentID:
		jsonFail(c, errConflict("you already serve this conversation"))
		return
	}
	if h.ops.c == nil {
		jsonFail(c, errUnavailable)
		return
	}
	me, err := h.ops.agent(ctx, claims.TenantID, claims.AgentID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	if me.Status != routing.StatusReady || len(me.Conversations) >= me.Capacity {
		jsonFail(c, errConflict("to take over, be ready (就绪) with a free slot first"))
		return
	}
	var snap conversation.Snapshot
	err = h.ops.command(ctx, row.WorkflowID, conversation.UpdateAgentTransfer, "", conversation.AgentTransferRequest{
		AgentID: row.AgentID, ConversationID: row.ID, ToAgentID: claims.AgentID,
	}, &snap)
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusForbidden {
		// The serving agent changed (or it closed) since the read above.
		err = errConflict("the conversation changed hands meanwhile; read it again")
	}
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, snapshotView(snap))
}
