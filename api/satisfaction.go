package api

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/models"
)

// satisfactionRequest is spec 003 §6.1.2 satisficationInfo.
type satisfactionRequest struct {
	Channel    string `json:"channel" validate:"required,eq=WEB"`
	UserID     string `json:"userId" validate:"required,max=128"`
	Evaluation string `json:"evaluation" validate:"required,oneof=1 2 3 4 5"`
	// Comment is required (table 6-2 marks it True) but may be empty: the
	// rating is the point, and the spec's own pages rate without words.
	Comment         *string `json:"comment" validate:"required,max=511"`
	ChannelConfigID string  `json:"channelConfigId" validate:"required,max=64"`
}

// satisfactionResponse is spec 003 §6.1.1; the spec's sample answers
// returnCode, so both names carry the code.
type satisfactionResponse struct {
	ResultCode string `json:"resultCode"`
	ReturnCode string `json:"returnCode"`
	ResultDesc string `json:"resultDesc"`
}

func (h *customerHandlers) saveSatisfaction(c *gin.Context) {
	var req satisfactionRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	claims := visitorFrom(c)
	if err := requireSameUser(claims, req.UserID); err != nil {
		fail(c, err)
		return
	}
	if err := requireSameChannel(claims, req.ChannelConfigID); err != nil {
		fail(c, err)
		return
	}
	evaluation, err := strconv.Atoi(req.Evaluation)
	if err != nil {
		fail(c, errBadRequest("evaluation must be 1 to 5"))
		return
	}
	res, err := h.chat.Rate(c.Request.Context(), chat.Visitor{ChannelID: claims.ChannelConfigID, UserID: claims.UserID}, evaluation, *req.Comment)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, satisfactionResponse{res.Code, res.Code, res.Desc})
}

// robotFeedbackRequest is spec 003 §17's request.
type robotFeedbackRequest struct {
	Feedback        *int   `json:"feedback" validate:"required,oneof=0 1"`
	FeedbackContent string `json:"feedbackContent"`
	From            string `json:"from" validate:"required,max=128"`
	InterIdx        string `json:"interIdx" validate:"required,max=16,numeric"`
}

// Result codes of spec 003 §17.
const (
	codeFeedbackContentMissing = "30000000008"
	maxFeedbackContentBytes    = 64
)

func (h *customerHandlers) robotFeedback(c *gin.Context) {
	var req robotFeedbackRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	claims := visitorFrom(c)
	if err := requireSameUser(claims, req.From); err != nil {
		fail(c, err)
		return
	}
	if *req.Feedback == 0 && req.FeedbackContent == "" {
		c.JSON(http.StatusOK, resultResponse{codeFeedbackContentMissing,
			"feedbackContent must not be empty when feedback is 0 (dissatisfied)"})
		return
	}
	if len(req.FeedbackContent) > maxFeedbackContentBytes || !utf8.ValidString(req.FeedbackContent) {
		fail(c, errBadRequest("feedbackContent must be valid text of at most 64 bytes"))
		return
	}
	conversationID := ""
	if conv, err := h.chat.Conversation(c.Request.Context(), claims.ChannelConfigID, claims.UserID); err == nil {
		conversationID = conv.ID
	}
	err := h.d.Records.SaveRobotFeedback(c.Request.Context(), models.RobotFeedback{
		TenantID: claims.TenantID, ConversationID: conversationID, UserID: claims.UserID,
		MessageCode: "interIdx:" + req.InterIdx, Feedback: *req.Feedback, FeedbackContent: req.FeedbackContent,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resultResponse{"0", "Send message to robot successfully"})
}
