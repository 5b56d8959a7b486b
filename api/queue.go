package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// queueInfoRequest is spec 003 §4.1.1.
type queueInfoRequest struct {
	UserID          string `json:"userId" validate:"required,max=128"`
	ChannelConfigID string `json:"channelConfigId" validate:"required,max=64"`
	Channel         string `json:"channel" validate:"required,eq=WEB"`
}

// queueInfoResponse is spec 003 §4.1.2 RspMsg200.
type queueInfoResponse struct {
	Position              *int   `json:"position,omitempty"`
	TotalWaitTime         *int   `json:"totalWaitTime,omitempty"`
	CurrentDeviceWaitTime *int   `json:"currentDeviceWaitTime,omitempty"`
	ConfigMaxcWaitTime    *int   `json:"configMaxcWaitTime,omitempty"`
	LongestWaitTime       *int   `json:"longestWaitTime,omitempty"`
	EstimateWaitTime      *int   `json:"estimateWaitTime,omitempty"`
	ResultCode            string `json:"resultCode"`
	ResultDesc            string `json:"resultDesc,omitempty"`
}

func (h *customerHandlers) queryQueueInfo(c *gin.Context) {
	var req queueInfoRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	claims := visitorFrom(c)
	if err := errors.Join(requireSameUser(claims, req.UserID), requireSameChannel(claims, req.ChannelConfigID)); err != nil {
		fail(c, err)
		return
	}
	snap, err := h.convs.state(c.Request.Context(), claims.ChannelConfigID, claims.UserID)
	if errors.Is(err, errNoConversation) || (err == nil && snap.Phase != conversation.PhaseQueued) {
		c.JSON(http.StatusOK, queueInfoResponse{ResultCode: "1", ResultDesc: "the user is not queuing"})
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	info, err := h.routing.queueInfo(c.Request.Context(), snap.TenantID, conversation.WorkflowID(snap.ChannelID, snap.UserID))
	if err != nil {
		fail(c, err)
		return
	}
	if !info.Found {
		// Queued a moment ago: routing has not received the request yet, and
		// the visitor is last in line.
		q, err := h.routing.queues(c.Request.Context(), snap.TenantID)
		if err != nil {
			fail(c, err)
			return
		}
		info = lastInLine(snap, q, time.Now())
	}
	c.JSON(http.StatusOK, queueInfoResponse{
		Position: &info.Position, TotalWaitTime: &info.TotalWaitTime,
		CurrentDeviceWaitTime: &info.CurrentDeviceWaitTime, ConfigMaxcWaitTime: &info.ConfigMaxcWaitTime,
		LongestWaitTime: &info.LongestWaitTime, EstimateWaitTime: &info.EstimateWaitTime, ResultCode: "0",
	})
}

// lastInLine is the queue info of a conversation routing has not seen yet.
func lastInLine(snap conversation.Snapshot, q routing.Queues, now time.Time) routing.QueueInfo {
	own := max(0, int(now.Sub(*snap.QueuedAt)/time.Second))
	info := routing.QueueInfo{
		Position: 1, TotalWaitTime: own, LongestWaitTime: own, CurrentDeviceWaitTime: own,
		ConfigMaxcWaitTime: int(snap.MaxQueueWait / time.Second), EstimateWaitTime: q.Estimates[snap.SkillGroupID],
	}
	sum, n := own, 1
	for _, e := range q.Waiting {
		if e.SkillGroupID == snap.SkillGroupID {
			wait := max(0, int(now.Sub(e.QueuedAt)/time.Second))
			info.Position++
			info.LongestWaitTime = max(info.LongestWaitTime, wait)
			sum += wait
			n++
		}
	}
	info.CurrentDeviceWaitTime = sum / n
	return info
}
