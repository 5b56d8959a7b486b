package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/clicktocall"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/call"
)

// agentCallHandlers are the agent console's call controls: the agent's
// calls, accept, reject, hang up, and the WebRTC answer to the visitor's
// offer (the agent's side of ccflow's signalling).
type agentCallHandlers struct {
	d     Deps
	bind  *binder
	calls *clicktocall.Service
}

// maxSDPBytes bounds a session description: a full one with its candidates
// is a few kilobytes.
const maxSDPBytes = 64 << 10

// callView is a call as the console and the gateway show it.
type callView struct {
	ID             string                  `json:"id"`
	ConversationID string                  `json:"conversationId"`
	UserID         string                  `json:"userId"`
	AgentID        string                  `json:"agentId"`
	MediaType      string                  `json:"mediaType"`
	State          string                  `json:"state"`
	CreatedAt      time.Time               `json:"createdAt"`
	RingingAt      *time.Time              `json:"ringingAt"`
	ConnectedAt    *time.Time              `json:"connectedAt"`
	EndedAt        *time.Time              `json:"endedAt"`
	DurationSec    int64                   `json:"durationSec"`
	EndReason      string                  `json:"endReason"`
	Offer          *string                 `json:"offer,omitempty"`
	Answer         *string                 `json:"answer,omitempty"`
	ICEServers     []clicktocall.ICEServer `json:"iceServers,omitempty"`
	// ICEPolicy is RTCPeerConnection's iceTransportPolicy ("all" or "relay").
	ICEPolicy string `json:"iceTransportPolicy,omitempty"`
}

func newCallView(c models.ClickToCall) callView {
	return callView{
		ID: c.CallID, ConversationID: c.ConversationID, UserID: c.UserID, AgentID: c.AgentID, MediaType: c.MediaType,
		State: c.State, CreatedAt: c.CreatedAt, RingingAt: c.RingingAt, ConnectedAt: c.ConnectedAt, EndedAt: c.EndedAt,
		DurationSec: c.DurationSec, EndReason: c.EndReason,
	}
}

// list answers the agent's ringing and connected calls: what a reloaded
// console picks up again.
func (h *agentCallHandlers) list(c *gin.Context) {
	rows, err := h.calls.AgentCalls(c.Request.Context(), agentFrom(c).AgentID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := make([]callView, 0, len(rows))
	for _, r := range rows {
		out = append(out, newCallView(r))
	}
	c.JSON(http.StatusOK, gin.H{"calls": out})
}

// get answers one of the agent's calls with the visitor's offer and the
// ICE servers; wait=S (0 to 30) waits for the offer.
func (h *agentCallHandlers) get(c *gin.Context) {
	wait, err := queryInt(c, "wait", 0, 0, maxCallEventsWait)
	if err != nil {
		jsonFail(c, err)
		return
	}
	a := agentFrom(c)
	row, err := h.calls.AgentCall(c.Request.Context(), a.TenantID, a.AgentID, c.Param("id"), time.Duration(wait)*time.Second)
	if err != nil {
		jsonFail(c, err)
		return
	}
	v := newCallView(row)
	v.Offer = row.OfferSDP
	if row.EndedAt == nil {
		v.ICEServers, v.ICEPolicy = h.d.ICE.Servers(row.CallID, time.Now()), h.d.ICE.Policy()
	}
	c.JSON(http.StatusOK, v)
}

func (h *agentCallHandlers) act(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		a := agentFrom(c)
		snap, err := h.calls.AgentAct(c.Request.Context(), a.TenantID, a.AgentID, c.Param("id"), name)
		if err != nil {
			jsonFail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": snap.CallID, "state": snap.State, "causeId": snap.Cause.ID, "causeDesc": snap.Cause.Desc})
	}
}

// sdpRequest is a WebRTC session description.
type sdpRequest struct {
	SDP string `json:"sdp" validate:"required,max=65536"`
}

// answer stores the agent's answer to the visitor's offer.
func (h *agentCallHandlers) answer(c *gin.Context) {
	var req sdpRequest
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	a := agentFrom(c)
	if err := h.calls.AgentAnswer(c.Request.Context(), a.TenantID, a.AgentID, c.Param("id"), req.SDP); err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "state": call.StateConnected})
}
