package api

import (
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/clicktocall"
	"github.com/ccflow/ccflow/workflows/call"
)

// callHandlers serve spec 003 §11–14, click-to-call: the visitor's browser
// places a WebRTC call to the agent serving (or about to serve) their
// conversation, with ccflow as its signalling gateway (rtcgateway.go).
type callHandlers struct {
	d     Deps
	bind  *binder
	calls *clicktocall.Service
}

// maxCallEventsWait bounds getClickToCallEvents' optional long-poll.
const maxCallEventsWait = 30

// createClickToCallRequest is spec 003 table 11-2.
type createClickToCallRequest struct {
	Channel      string `json:"channel" validate:"required,eq=WEB"`
	MediaAbility string `json:"mediaAbility" validate:"required,oneof=0 1"`
}

// dropClickToCallRequest is spec 003 table 14-2.
type dropClickToCallRequest struct {
	Channel string `json:"channel" validate:"required,eq=WEB"`
}

func (h *callHandlers) visitor(c *gin.Context) clicktocall.Visitor {
	claims := visitorFrom(c)
	return clicktocall.Visitor{TenantID: claims.TenantID, ChannelID: claims.ChannelConfigID, UserID: claims.UserID}
}

// create places the visitor's call (spec 003 §11): 0, 7 (the channel does
// not offer it, or not with video), 12 (agents off work), 13 (no
// conversation to call from, a call already on).
func (h *callHandlers) create(c *gin.Context) {
	var req createClickToCallRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	res, err := h.calls.Create(c.Request.Context(), h.visitor(c), req.MediaAbility == "1")
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resultResponse{res.Code, res.Desc})
}

// callEventContent is spec 003 table 12-3's content.
type callEventContent struct {
	CauseDesc         string   `json:"causeDesc,omitempty"`
	CauseID           string   `json:"causeId,omitempty"`
	AccessCode        string   `json:"accessCode,omitempty"`
	Domain            string   `json:"domain,omitempty"`
	GWAddresses       []string `json:"gwAddresses,omitempty"`
	ClickToCallCaller string   `json:"clickToCallCaller,omitempty"`
}

// callEventResponse is spec 003 table 12-3.
type callEventResponse struct {
	ResultCode string            `json:"resultCode"`
	ResultDesc string            `json:"resultDesc"`
	EventID    string            `json:"eventId,omitempty"`
	Content    *callEventContent `json:"content,omitempty"`
}

// events answers the visitor's next call event, each once, in order
// (spec 003 §12); wait=S (0 to 30) waits for one.
func (h *callHandlers) events(c *gin.Context) {
	if c.Query("channel") != "WEB" {
		fail(c, errBadRequest("channel is required and must be WEB"))
		return
	}
	wait, err := queryInt(c, "wait", 0, 0, maxCallEventsWait)
	if err != nil {
		fail(c, err)
		return
	}
	v := h.visitor(c)
	ev, err := h.calls.NextEvent(c.Request.Context(), v, time.Duration(wait)*time.Second)
	if err != nil {
		fail(c, err)
		return
	}
	if !ev.Found {
		c.JSON(http.StatusOK, callEventResponse{ResultCode: "0", ResultDesc: call.DescNoEvents})
		return
	}
	content := &callEventContent{CauseDesc: ev.Event.CauseDesc, CauseID: ev.Event.CauseID}
	if ev.Event.EventID == call.EventConnected && ev.Call.AccessCode != nil {
		domain, gw := h.gateway()
		content.AccessCode, content.Domain, content.GWAddresses = *ev.Call.AccessCode, domain, []string{gw}
		content.ClickToCallCaller = v.UserID
	}
	c.JSON(http.StatusOK, callEventResponse{ResultCode: "0", ResultDesc: ev.Event.ResultDesc, EventID: ev.Event.EventID, Content: content})
}

// gateway is the connected event's domain and gateway address: ccflow's own
// public address, whose /rtc/v1 routes carry the call's signalling.
func (h *callHandlers) gateway() (domain, address string) {
	base := h.d.Settings.PublicURL
	if base == "" {
		base = defaultPublicURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "127.0.0.1", "127.0.0.1:8080"
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return host, net.JoinHostPort(host, port)
}

// supportResponse is spec 003 table 13-3 (the field spelled as the sample
// does), and ccflow's videoSupported: the spec has no field that says
// whether mediaAbility 1 is allowed, and the chat page offers a video call
// only where it is.
type supportResponse struct {
	WebRTCSupported      bool   `json:"webRTCSupported"`
	ClickToCallSupported bool   `json:"clickToCallSupported"`
	VideoSupported       bool   `json:"videoSupported"`
	ResultCode           string `json:"resultCode"`
	ResultDesc           string `json:"resultDesc"`
}

// support says whether the token's channel offers click-to-call, and video
// calls (spec 003 §13). ccflow always speaks WebRTC, so webRTCSupported is true.
func (h *callHandlers) support(c *gin.Context) {
	if c.Query("channel") != "WEB" {
		fail(c, errBadRequest("channel is required and must be WEB"))
		return
	}
	on, err := h.calls.Supported(c.Request.Context(), visitorFrom(c).ChannelConfigID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, supportResponse{WebRTCSupported: true, ClickToCallSupported: on.ClickToCall, VideoSupported: on.Video, ResultCode: "0", ResultDesc: ""})
}

// drop hangs up the visitor's call (spec 003 §14): 0, or 13 with no call on.
func (h *callHandlers) drop(c *gin.Context) {
	var req dropClickToCallRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	res, err := h.calls.Drop(c.Request.Context(), h.visitor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resultResponse{res.Code, res.Desc})
}
