package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// customerHandlers serve spec 003's /apiaccess/ccmessaging endpoints. The
// authenticator in front of them has verified the tokens; each handler checks
// that the user and channel the request names are the token's own.
type customerHandlers struct {
	d    Deps
	bind *binder
	chat *chat.Service
	// routing answers queue questions (spec 003 §4).
	routing agentOps
	faq     *faq.Library
}

// maxPollWait bounds the long-poll of poll's wait parameter.
const maxPollWait = 30 * time.Second

// maxUplinkChars bounds a visitor's message. Spec 003 caps only downlink
// messages (500 characters); its send table sets no limit for the visitor's
// content, so ccflow takes spec 002's bound on a visitor's leave message
// (2000 characters), which is also chat-records/create's bound on cnt: a
// visitor can paste an order's details, and a message still fits a record.
const maxUplinkChars = 2000

// sendRequest is spec 003 §7.1.2 sendMsgReq, plus the optional messageCode.
type sendRequest struct {
	Channel        string `json:"channel" validate:"required,eq=WEB"`
	Content        string `json:"content" validate:"max=2000"` // maxUplinkChars
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
	if req.ControlType == string(conversation.ControlChat) && req.Content == "" {
		fail(c, errBadRequest("content is required for CHAT"))
		return
	}
	if req.ControlType == string(conversation.ControlChat) {
		// A file's "objectKey,type" or a location's form; the file itself
		// is checked (the same visitor uploaded it) as it is attached.
		if err := chat.CheckMedia(req.MediaType, req.Content); err != nil {
			fail(c, errBadRequest(err.Error()))
			return
		}
	}
	v := chat.Visitor{ChannelID: claims.ChannelConfigID, UserID: claims.UserID, UserName: claims.UserName}
	r := chat.SendRequest{
		ControlType: conversation.ControlType(req.ControlType), MediaType: req.MediaType, Content: req.Content,
		SenderNickname: req.SenderNickname, Key: firstNonEmpty(c.GetHeader("Idempotency-Key"), req.MessageCode),
	}
	var res chat.Result
	var err error
	if r.ControlType == conversation.ControlConnect {
		res, err = h.connect(c, claims, v, r)
	} else {
		res, err = h.chat.Send(c.Request.Context(), v, r)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resultResponse{res.Code, res.Desc})
}

// connect opens the visitor's conversation with the channel's settings as
// they are now; a conversation keeps them to its end.
func (h *customerHandlers) connect(c *gin.Context, claims token.VisitorClaims, v chat.Visitor, r chat.SendRequest) (chat.Result, error) {
	ch, err := h.d.Directory.Channel(c.Request.Context(), claims.ChannelConfigID)
	if err != nil {
		return chat.Result{}, err
	}
	var entry chat.Entry
	if claims.Web {
		if ch, entry, err = h.webStart(c, claims, ch); err != nil {
			return chat.Result{}, err
		}
	}
	ch.Locale = conversationLocale(claims.Locale, ch.Locale)
	return h.chat.Connect(c.Request.Context(), ch, v, entry, r)
}

// conversationLocale decides a conversation's language once, at its
// CONNECT: the token's locale (applyToken's, or for a web session the
// page's language) when ccflow speaks it, else the channel's default. The
// workflow's notices, the robot's lines and its FAQ answers all follow it,
// so a visitor never reads two languages in one conversation.
func conversationLocale(tokenLocale, channelLocale string) string {
	switch l := strings.ToLower(tokenLocale); {
	case l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_"):
		return "zh"
	case l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_"):
		return "en"
	}
	return channelLocale
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
	// FileID and FileType are a file message's objectKey and type, for
	// downloadFileStream (content carries both as "objectKey,type").
	FileID   string `json:"fileId,omitempty"`
	FileType string `json:"fileType,omitempty"`
}

// pollResponse is spec 003 §5.1.2 pollRsp, plus the cursor to resume from.
type pollResponse struct {
	ResultCode       string            `json:"resultCode"`
	ResultDesc       string            `json:"resultDesc"`
	DownlinkMessages []downlinkMessage `json:"downlinkMessages"`
	Cursor           int64             `json:"cursor"`
	// AgentTyping is ccflow's addition: the serving agent is typing.
	AgentTyping bool `json:"agentTyping,omitempty"`
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
	v := chat.Visitor{ChannelID: claims.ChannelConfigID, UserID: claims.UserID}
	res, err := h.chat.Poll(c.Request.Context(), v, req)
	if err != nil {
		fail(c, err)
		return
	}
	out := pollResponse{ResultCode: "0", ResultDesc: "query user messages success.", DownlinkMessages: []downlinkMessage{}, Cursor: res.Cursor, AgentTyping: res.AgentTyping}
	for _, m := range res.Messages {
		out.DownlinkMessages = append(out.DownlinkMessages, downlink(m, claims.ChannelConfigID, claims.UserID))
	}
	if c.Request.Context().Err() != nil {
		// The client left during the wait: nothing is delivered.
		c.Abort()
		return
	}
	if err := h.chat.Deliver(c.Request.Context(), res, func() bool { return writeJSON(c, out) }); err != nil && !c.Writer.Written() {
		fail(c, err)
	}
}

func pollParams(c *gin.Context) (chat.PollRequest, error) {
	var req chat.PollRequest
	if raw, ok := c.GetQuery("cursor"); ok {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return req, errBadRequest("cursor must be a non-negative integer (the seq of the last message received)")
		}
		req.HasCursor, req.Cursor = true, n
	}
	if raw, ok := c.GetQuery("wait"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > int(maxPollWait/time.Second) {
			return req, errBadRequest("wait must be a whole number of seconds from 0 to 30")
		}
		req.Wait = time.Duration(n) * time.Second
	}
	return req, nil
}

func downlink(m models.ChatRecord, channelID, userID string) downlinkMessage {
	d := downlinkMessage{
		Channel: "WEB", Content: m.Content, From: channelID, MediaType: m.MediaType,
		SenderNickname: m.SenderNickname, SourceType: m.SenderType, Timestamp: m.CreatedAt.UnixMilli(),
		To: userID, MessageCode: m.MessageCode, ControlType: m.ControlType, Seq: m.Seq,
	}
	if files.IsFileMedia(m.MediaType) {
		d.FileID, d.FileType, _ = files.ParseContent(m.Content)
	}
	if m.InterIdx > 0 {
		idx := strconv.FormatInt(m.InterIdx, 10)
		d.InterIdx = &idx
	}
	if m.SimQuestions != "" {
		// The spec types simQuestions as a string: a JSON array in a string.
		s := m.SimQuestions
		d.SimQuestions = &s
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
