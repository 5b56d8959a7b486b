package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// customerHandlers serve spec 003's /apiaccess/ccmessaging endpoints.
//
// Until the token issue lands, a caller proves itself with the tenant's
// x-app-key only; applyToken and the per-user ccmessaging-token come with it.
type customerHandlers struct {
	d    Deps
	bind *binder
}

// sendRequest is spec 003 §7.1.2 sendMsgReq.
type sendRequest struct {
	Channel        string `json:"channel" validate:"required,eq=WEB"`
	Content        string `json:"content" validate:"max=500"`
	ControlType    string `json:"controlType" validate:"required,oneof=CONNECT CHAT TRANS2AGENT INPUT DISCONNECT"`
	From           string `json:"from" validate:"required,max=128"`
	MediaType      string `json:"mediaType" validate:"required,oneof=TEXT"`
	SenderNickname string `json:"senderNickname" validate:"max=128"`
	SourceType     string `json:"sourceType" validate:"required,eq=CUSTOMER"`
	Timestamp      string `json:"timestamp"`
	To             string `json:"to" validate:"required,max=64"`
	MessageCode    string `json:"messageCode" validate:"max=64"`
}

// sendResponse is spec 003 §7.1.1 senMsgRsp.
type sendResponse struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
}

func (h *customerHandlers) send(c *gin.Context) {
	var req sendRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	key, err := h.appKey(c)
	if err != nil {
		fail(c, err)
		return
	}
	ch, err := h.channelFor(c, key, req.To)
	if err != nil {
		fail(c, err)
		return
	}
	sig := conversation.SendSignal{
		DedupeKey:      firstNonEmpty(c.GetHeader("Idempotency-Key"), req.MessageCode),
		ControlType:    conversation.ControlType(req.ControlType),
		MediaType:      req.MediaType,
		Content:        req.Content,
		SenderNickname: req.SenderNickname,
	}
	id := conversation.WorkflowID(ch.ID, req.From)
	ctx := c.Request.Context()
	if sig.ControlType == conversation.ControlConnect {
		_, err = h.d.Temporal.SignalWithStartWorkflow(ctx, id, conversation.SignalSend, sig,
			client.StartWorkflowOptions{ID: id, TaskQueue: conversation.TaskQueue},
			conversation.WorkflowName, conversation.State{
				Channel: ch,
				Visitor: conversation.Visitor{UserID: req.From, UserName: req.SenderNickname},
			})
		if err != nil {
			fail(c, err)
			return
		}
		desc := "connect to robot success."
		if !ch.RobotEnabled {
			desc = "connect to agent success."
		}
		c.JSON(http.StatusOK, sendResponse{ResultCode: "0", ResultDesc: desc})
		return
	}
	err = h.d.Temporal.SignalWorkflow(ctx, id, "", conversation.SignalSend, sig)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		c.JSON(http.StatusOK, sendResponse{ResultCode: "13", ResultDesc: "no connected session, send CONNECT first"})
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sendResponse{ResultCode: "0", ResultDesc: "sendUserMessage successfully."})
}

// downlinkMessage is spec 003 §5.1.1 downLinkMsgArr.
type downlinkMessage struct {
	Channel        string  `json:"channel"`
	Content        string  `json:"content"`
	From           string  `json:"from"`
	MediaType      string  `json:"mediaType"`
	SenderNickname string  `json:"senderNickname"`
	SourceType     string  `json:"sourceType"`
	Timestamp      int64   `json:"timestamp"`
	To             string  `json:"to"`
	MessageCode    string  `json:"messageCode"`
	SimQuestions   *string `json:"simQuestions"`
	ControlType    string  `json:"controlType"`
	Seq            int64   `json:"seq"`
}

// pollResponse is spec 003 §5.1.2 pollRsp.
type pollResponse struct {
	ResultCode       string            `json:"resultCode"`
	ResultDesc       string            `json:"resultDesc"`
	DownlinkMessages []downlinkMessage `json:"downlinkMessages"`
}

// poll answers the downlink messages after the optional cursor (a seq).
func (h *customerHandlers) poll(c *gin.Context) {
	receiver := c.Query("receiverId")
	if receiver == "" {
		fail(c, errBadRequest("receiverId is required"))
		return
	}
	if ch := c.DefaultQuery("channel", "WEB"); ch != "WEB" {
		fail(c, errBadRequest("channel must be WEB"))
		return
	}
	after, err := strconv.ParseInt(c.DefaultQuery("cursor", "0"), 10, 64)
	if err != nil || after < 0 {
		fail(c, errBadRequest("cursor must be a non-negative integer"))
		return
	}
	key, err := h.appKey(c)
	if err != nil {
		fail(c, err)
		return
	}
	channelID := c.Query("channelConfigId")
	if channelID == "" {
		if channelID, err = h.d.Directory.DefaultChannelID(c.Request.Context(), key.TenantID); err != nil {
			fail(c, err)
			return
		}
	}
	ch, err := h.channelFor(c, key, channelID)
	if err != nil {
		fail(c, err)
		return
	}
	resp := pollResponse{ResultCode: "0", ResultDesc: "query user messages success.", DownlinkMessages: []downlinkMessage{}}
	val, err := h.d.Temporal.QueryWorkflow(c.Request.Context(), conversation.WorkflowID(ch.ID, receiver), "",
		conversation.QueryMessages, conversation.MessagesQuery{AfterSeq: after})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		c.JSON(http.StatusOK, resp)
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	var msgs []conversation.Message
	if err := val.Get(&msgs); err != nil {
		fail(c, err)
		return
	}
	for _, m := range msgs {
		resp.DownlinkMessages = append(resp.DownlinkMessages, downlinkMessage{
			Channel: "WEB", Content: m.Content, From: ch.ID, MediaType: m.MediaType,
			SenderNickname: m.SenderNickname, SourceType: string(m.SourceType), Timestamp: m.At.UnixMilli(),
			To: receiver, MessageCode: m.MessageCode, ControlType: string(m.ControlType), Seq: m.Seq,
		})
	}
	c.JSON(http.StatusOK, resp)
}

// appKey checks the x-app-key header.
func (h *customerHandlers) appKey(c *gin.Context) (appKey, error) {
	raw := c.GetHeader("x-app-key")
	if raw == "" {
		return appKey{}, errUnauthorized("x-app-key header is required")
	}
	k, err := h.d.Directory.AppKey(c.Request.Context(), raw)
	if errors.Is(err, directory.ErrNotFound) {
		return appKey{}, errUnauthorized("unknown x-app-key")
	}
	return appKey{TenantID: k.TenantID}, err
}

// channelFor returns a channel config of the caller's tenant.
func (h *customerHandlers) channelFor(c *gin.Context, key appKey, channelID string) (conversation.Channel, error) {
	ch, err := h.d.Directory.Channel(c.Request.Context(), channelID)
	if errors.Is(err, directory.ErrNotFound) {
		return ch, errBadRequest("unknown channel config " + strconv.Quote(channelID))
	}
	if err != nil {
		return ch, err
	}
	if ch.TenantID != key.TenantID {
		return ch, errForbidden("channel config " + strconv.Quote(channelID) + " belongs to another tenant")
	}
	return ch, nil
}

type appKey struct{ TenantID string }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
