package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/clicktocall"
)

// rtcGatewayPath is ccflow's WebRTC signalling gateway: the connected
// event's domain and gwAddresses point here, and its accessCode names the
// call. The access code is the credential (128 random bits, valid while
// the call is on); the visitor's browser sends its offer and reads the
// agent's answer and the call's ICE servers.
const rtcGatewayPath = "/rtc/v1/calls/:accessCode"

type rtcGatewayHandlers struct {
	d     Deps
	bind  *binder
	calls *clicktocall.Service
}

// get answers the call's state, the visitor's ICE servers and, once there,
// the agent's answer; wait=S (0 to 30) waits for the answer.
func (h *rtcGatewayHandlers) get(c *gin.Context) {
	wait, err := queryInt(c, "wait", 0, 0, maxCallEventsWait)
	if err != nil {
		jsonFail(c, err)
		return
	}
	row, err := h.calls.GatewayCall(c.Request.Context(), c.Param("accessCode"), time.Duration(wait)*time.Second)
	if err != nil {
		jsonFail(c, err)
		return
	}
	v := newCallView(row)
	v.AgentID = ""
	v.Answer = row.AnswerSDP
	v.ICEServers, v.ICEPolicy = h.d.ICE.Servers(row.CallID, time.Now()), h.d.ICE.Policy()
	c.JSON(http.StatusOK, v)
}

// offer stores the visitor's offer, once, while the call is connected.
func (h *rtcGatewayHandlers) offer(c *gin.Context) {
	var req sdpRequest
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	row, err := h.calls.GatewayOffer(c.Request.Context(), c.Param("accessCode"), req.SDP)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": row.CallID, "state": row.State})
}
