package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/chat"
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
	conv, err := h.chat.Conversation(c.Request.Context(), claims.ChannelConfigID, claims.UserID)
	if errors.Is(err, chat.ErrNoConversation) || (err == nil && (conv.Phase != string(conversation.PhaseQueued) || conv.QueuedAt == nil)) {
		c.JSON(http.StatusOK, queueInfoResponse{ResultCode: "1", ResultDesc: "the user is not queuing"})
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	var ch conversation.Channel
	if err := json.Unmarshal([]byte(conv.Settings), &ch); err != nil {
		fail(c, err)
		return
	}
	info, err := h.routing.queueInfo(c.Request.Context(), conv.TenantID, routing.QueueInfoRequest{Now: time.Now(),
		WorkflowID: conv.WorkflowID, SkillGroupID: conv.SkillGroupID, QueuedAt: *conv.QueuedAt, MaxWait: ch.MaxQueueWait,
	})
	if err != nil {
		fail(c, err)
		return
	}
	if !info.Found {
		// The tenant's routing is not running yet: nobody else waits.
		wait := int(time.Since(*conv.QueuedAt) / time.Second)
		info = routing.QueueInfo{Found: true, Position: 1, TotalWaitTime: wait, CurrentDeviceWaitTime: wait,
			LongestWaitTime: wait, ConfigMaxcWaitTime: int(ch.MaxQueueWait / time.Second)}
	}
	c.JSON(http.StatusOK, queueInfoResponse{
		Position: &info.Position, TotalWaitTime: &info.TotalWaitTime,
		CurrentDeviceWaitTime: &info.CurrentDeviceWaitTime, ConfigMaxcWaitTime: &info.ConfigMaxcWaitTime,
		LongestWaitTime: &info.LongestWaitTime, EstimateWaitTime: &info.EstimateWaitTime, ResultCode: "0",
	})
}
