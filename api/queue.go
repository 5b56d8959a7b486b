package api

import (
	"errors"
	"net/http"

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
	info, err := h.routing.queueInfo(c.Request.Context(), snap.TenantID, routing.QueueInfoRequest{
		WorkflowID: conversation.WorkflowID(snap.ChannelID, snap.UserID), SkillGroupID: snap.SkillGroupID,
		QueuedAt: *snap.QueuedAt, MaxWait: snap.MaxQueueWait,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, queueInfoResponse{
		Position: &info.Position, TotalWaitTime: &info.TotalWaitTime,
		CurrentDeviceWaitTime: &info.CurrentDeviceWaitTime, ConfigMaxcWaitTime: &info.ConfigMaxcWaitTime,
		LongestWaitTime: &info.LongestWaitTime, EstimateWaitTime: &info.EstimateWaitTime, ResultCode: "0",
	})
}
