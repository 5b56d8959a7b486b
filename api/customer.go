package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// customerHandlers serve spec 003's /apiaccess/ccmessaging endpoints. The
// authenticator in front of them has verified the tokens; each handler checks
// that the user and channel the request names are the token's own.
type customerHandlers struct {
	d     Deps
	bind  *binder
	convs conversations
	// routing answers queue questions (spec 003 §4).
	routing agentOps
	faq     *faq.Library
}

// maxPollWait bounds the long-poll of poll's wait parameter.
const maxPollWait = 30 * time.Second

// sendRequest is spec 003 §7.1.2 sendMsgReq, plus the optional messageCode.
type sendRequest struct {
	Channel        string `json:"channel" validate:"required,eq=WEB"`
	Content        string `json:"content" validate:"max=500"`
	ControlType    string `json:"controlType" validate:"required,oneof=CONNECT CHAT TRANS2AGENT INPUT DISCONNECT"`
	From           string `json:"from" validate:"required,max=128"`
	MediaType      string `json:"mediaType" validate:"required,oneof=TEXT IMAGE VIDEO AUDIO FILE FILE_IMAGE FILE_VIDEO LOCATE"`
	SenderNickname string `json:"senderNickname" validate:"max=128"`
	SourceType     string `json:"sourceType" validate:"required,eq=CUSTOMER"`
	Timestamp      string `json:"timestamp" validate:"max=20"`
	To             string `json:"to" validate:"required,max=64"`
	UserAgent      string `json:"userAgent" validate:"max=512"`
	SenderAvatar   string `json:"senderAvatar" validate:"max=1024"`
	MessageCode    string `json:"messageCode" validate:"max=64"`
}

// resultResponse is the spec's {resultCode, resultDesc} answer.
type resultResponse struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
}

func (h *customerHandlers) send(c *gin.Context) {
	var req sendRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	claims := visitorFrom(c)
	if err := errors.Join(requireSameUser(claims, req.From), requireSameChannel(claims, req.To)); err != nil {
		fail(c, err)
		return
	}
	if req.MediaType != "TEXT" && req.ControlType == string(conversation.ControlChat) {
		fail(c, errBadRequest("mediaType "+req.MediaType+" needs a file from uploadFileStream, which this server does not offer yet; send TEXT"))
		return
	}
	if req.ControlType == string(conversation.ControlChat) && req.Content == "" {
		fail(c, errBadRequest("content is required for CHAT"))
		return
	}
	// Only a CONNECT may start the conversation, and only a start needs the
	// channel's settings; every other send just names the workflow.
	ch := conversation.Channel{ID: claims.ChannelConfigID}
	v := conversation.Visitor{UserID: claims.UserID, UserName: claims.UserName}
	if req.ControlType == string(conversation.ControlConnect) {
		var err error
		if ch, err = h.d.Directory.Channel(c.Request.Context(), claims.ChannelConfigID); err != nil {
			fail(c, err)
			return
		}
		if claims.Web {
			if ch, v, err = h.webStart(c, claims, ch, v); err != nil {
				fail(c, err)
				return
			}
		}
	}
	res, err := h.convs.send(c.Request.Context(), ch, v,
		conversation.SendRequest{
			DedupeKey:      firstNonEmpty(c.GetHeader("Idempotency-Key"), req.MessageCode),
			ControlType:    conversation.ControlType(req.ControlType),
			MediaType:      req.MediaType,
			Content:        req.Content,
			SenderNickname: req.SenderNickname,
		})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resultResponse{res.Code, res.Desc})
}

// downlinkMessage is spec 003 §5.1.1 downLinkMsgArr, plus seq.
type downlinkMessage struct {
	Channel        string  `json:"channel"`
	Content        string  `json:"content"`
	From           string  `json:"from"`
	MediaType      string  `json:"mediaType"`
	SenderNickname string  `json:"senderNickname"`
	SourceType     string  `json:"sourceType"`
	Timestamp      int64   `json:"timestamp"`
	To             string  `json:"to"`
	InterIdx       *string `json:"interIdx"`
	MessageCode    string  `json:"messageCode"`
	SimQuestions   *string `json:"simQuestions"`
	CallID         *string `json:"callId"`
	ControlType    string  `json:"controlType"`
	Seq            int64   `json:"seq"`
}

// pollResponse is spec 003 §5.1.2 pollRsp, plus the cursor to resume from.
type pollResponse struct {
	ResultCode       string            `json:"resultCode"`
	ResultDesc       string            `json:"resultDesc"`
	DownlinkMessages []downlinkMessage `json:"downlinkMessages"`
	Cursor           int64             `json:"cursor"`
}

// poll answers the visitor's downlink messages: by default each once, in
// order; with cursor=N exactly those after seq N; with wait=S it waits up to S
// seconds (at most 30) for the next message when none is ready.
func (h *customerHandlers) poll(c *gin.Context) {
	claims := visitorFrom(c)
	if r := c.Query("receiverId"); r != "" {
		if err := requireSameUser(claims, r); err != nil {
			fail(c, err)
			return
		}
	}
	if ch := c.Query("channel"); ch != "" && ch != "WEB" {
		fail(c, errBadRequest("channel must be WEB"))
		return
	}
	req, err := pollParams(c)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.convs.poll(c.Request.Context(), claims.ChannelConfigID, claims.UserID, req)
	if err != nil {
		fail(c, err)
		return
	}
	out := pollResponse{ResultCode: "0", ResultDesc: "query user messages success.", DownlinkMessages: []downlinkMessage{}, Cursor: res.Cursor}
	for _, m := range res.Messages {
		out.DownlinkMessages = append(out.DownlinkMessages, downlink(m, claims.ChannelConfigID, claims.UserID))
	}
	c.JSON(http.StatusOK, out)
}

func pollParams(c *gin.Context) (conversation.PollRequest, error) {
	var req conversation.PollRequest
	if raw, ok := c.GetQuery("cursor"); ok {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return req, errBadRequest("cursor must be a non-negative integer (the seq of the last message received)")
		}
		req.HasCursor, req.Cursor = true, n
	}
	if raw, ok := c.GetQuery("wait"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || time.Duration(n)*time.Second > maxPollWait {
			return req, errBadRequest("wait must be a whole number of seconds from 0 to 30")
		}
		req.Wait = time.Duration(n) * time.Second
	}
	return req, nil
}

func downlink(m conversation.Message, channelID, userID string) downlinkMessage {
	d := downlinkMessage{
		Channel: "WEB", Content: m.Content, From: channelID, MediaType: m.MediaType,
		SenderNickname: m.SenderNickname, SourceType: string(m.SourceType), Timestamp: m.At.UnixMilli(),
		To: userID, MessageCode: m.MessageCode, ControlType: string(m.ControlType), Seq: m.Seq,
	}
	if m.InterIdx > 0 {
		idx := strconv.Itoa(m.InterIdx)
		d.InterIdx = &idx
	}
	if len(m.SimQuestions) > 0 {
		// The spec types simQuestions as a string: a JSON array in a string.
		b, err := json.Marshal(m.SimQuestions)
		if err == nil {
			s := string(b)
			d.SimQuestions = &s
		}
	}
	return d
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
