package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/ccflow/ccflow/internal/leavemsg"
	"github.com/ccflow/ccflow/internal/ratelimit"
	"github.com/ccflow/ccflow/models"
)

// Leave messages: spec 002's signed app entry and spec 003 §15's visitor entry,
// both writing cc_misc_lvmsg.
//
// POST /api/{version}/{appid}/leavemessage?timestamp=&signature=
//
// {version} is v1.0 or v1. timestamp is milliseconds since the epoch and must
// be within 5 minutes of the server's clock, either way. signature is
// lower-case hex of HMAC-SHA256 over appid + "\n" + timestamp + "\n" + the raw
// request body, keyed with the secret of the tenant's first enabled app key
// (oldest first); each signature is accepted once. The answer is the IM APIs'
// envelope {"resultCode", "resultDesc"}, plus "id" on success. Result codes
// (spec 002 refers to a return-code page it does not include, so ccflow
// defines them):
//
//	resultCode  HTTP  meaning
//	0           200   saved; "id" is the new message's id (a UUID)
//	4000        400   the body is not one JSON object (empty, malformed, or not an object)
//	4001        400   contact: missing, not 2 to 32 characters, or not one line of text
//	4002        400   callback: missing or not one of email, fax, sms, tel
//	4003        400   tel: missing although callback is tel, fax or sms, or not a phone number
//	                  (0 + 2-3 digit area code + optional "-" + 7-8 digits, or a mobile number 1[3-9]+ 9 digits, optionally +86)
//	4004        400   email: missing although callback is email, or not one well-formed address (at most 100 characters)
//	4005        400   subject: missing or over 50 characters
//	4006        400   content: over 2000 characters
//	4007        400   user_data: over 2000 bytes as compact JSON
//	4008        400   user_id: over 50 characters
//	4009        400   acc_type not app or weixin, or acc_name missing or over 50 characters with weixin
//	4011        401   signature missing, malformed (not 64 hex digits) or wrong
//	4012        401   timestamp missing, not milliseconds since the epoch, or more than 5 minutes off
//	4013        401   replay: this appid and signature have been used already
//	4041        404   unknown appid (no tenant has it, or none of its app keys is enabled)
//	404         404   no such path, including any {version} other than v1.0 and v1
//	413         413   body over 64 KiB
//	429         429   over CCFLOW_LEAVE_MESSAGE_PER_MINUTE (600) signed requests a minute for one appid, or
//	                  over 10 failed requests (401, 404) a minute (bursts of 5) from one client address; see Retry-After
//	500 / 503   500 / 503   server failure, retry later; resultDesc carries the request id
//
// Text fields are counted in characters and must fit cc_misc_lvmsg, whose
// charset (utf8, spec 002's DDL) cannot hold characters beyond U+FFFF such as
// emoji: those are refused with the field's code. user_data may be any JSON
// value and is stored as compact JSON text. acc_type defaults to app, whose
// acc_name is the tenant's name; "acc_type":"weixin" with "acc_name" records a
// message relayed from a WeChat account.
//
// POST /apiaccess/ccmessaging/doLeaveMessage (spec 003 §15) answers the spec's
// codes: "0" Save leaveMessage success!, "2" a parameter is empty (HTTP 400),
// "3" a parameter is wrong (HTTP 400), "13" the message could not be saved
// (HTTP 500); 401/403 come from the visitor authenticator and the callId check.

// Result codes of the leave-message API, see the table above.
const (
	codeLeaveOK           = "0"
	codeLeaveMalformed    = "4000"
	codeLeaveBadSignature = "4011"
	codeLeaveBadTimestamp = "4012"
	codeLeaveReplay       = "4013"
	codeLeaveUnknownApp   = "4041"
)

// leaveFieldCodes maps each validated field to its result code.
var leaveFieldCodes = map[string]string{
	leavemsg.FieldContact:  "4001",
	leavemsg.FieldCallback: "4002",
	leavemsg.FieldTel:      "4003",
	leavemsg.FieldEmail:    "4004",
	leavemsg.FieldSubject:  "4005",
	leavemsg.FieldContent:  "4006",
	leavemsg.FieldUserData: "4007",
	leavemsg.FieldUserID:   "4008",
	leavemsg.FieldAccType:  "4009",
	leavemsg.FieldAccName:  "4009",
}

// Result codes of spec 003 §15.
const (
	codeDoLeaveOK    = "0"
	codeDoLeaveEmpty = "2"
	codeDoLeaveWrong = "3"
	codeDoLeaveFail  = "13"
)

// leaveBodyHint names the fields of spec 002's body, for a client that sent something else.
const leaveBodyHint = "contact, callback, subject and, as callback needs, tel or email; optional user_id, content, user_data"

// saveLeaveSuccess is spec 003 §15's success text, used by both entries.
const saveLeaveSuccess = "Save leaveMessage success!"

// maxLeaveMessageBody bounds a leave-message body well above the largest valid
// one (2000 characters of content and 2000 bytes of user_data, even escaped)
// and far below the API's general limit, since the whole body is buffered to
// be signed.
const maxLeaveMessageBody = 64 << 10

// leaveMessageHandlers serve both leave-message entries.
type leaveMessageHandlers struct {
	d     Deps
	store *leavemsg.Store
	now   func() time.Time
	// perApp limits spec 002's authentic requests per appid.
	perApp *ratelimit.Limiter
}

// newLeaveMessageHandlers returns the leave-message handlers on store.
func newLeaveMessageHandlers(d Deps, store *leavemsg.Store) *leaveMessageHandlers {
	return &leaveMessageHandlers{d: d, store: store, now: time.Now, perApp: newAppLeaveLimiter(d.Settings.LeaveMessagePerMinute)}
}

// leaveMessageResponse is the envelope with the stored message's id.
type leaveMessageResponse struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
	ID         string `json:"id"`
}

func leaveError(status int, code, desc string) error {
	return &apiError{status: status, code: code, desc: desc}
}

// leaveMessage is spec 002's POST /api/{version}/{appid}/leavemessage.
func (h *leaveMessageHandlers) leaveMessage(c *gin.Context) {
	now := h.now()
	appID := c.Param("appid")
	rawTS, sig := c.Query("timestamp"), c.Query("signature")

	if rawTS == "" {
		fail(c, leaveError(http.StatusUnauthorized, codeLeaveBadTimestamp, "timestamp is required: "+leavemsg.ErrTimestamp.Error()))
		return
	}
	ts, err := leavemsg.ParseTimestamp(rawTS)
	if err != nil {
		fail(c, leaveError(http.StatusUnauthorized, codeLeaveBadTimestamp, err.Error()))
		return
	}
	if !leavemsg.Fresh(ts, now) {
		fail(c, leaveError(http.StatusUnauthorized, codeLeaveBadTimestamp, fmt.Sprintf(
			"timestamp %s is %s away from the server's time; it must be within %s, so sign each request when sending it",
			rawTS, now.Sub(ts).Abs().Round(time.Second), leavemsg.FreshnessWindow)))
		return
	}
	if !leavemsg.WellFormedSignature(sig) {
		fail(c, leaveError(http.StatusUnauthorized, codeLeaveBadSignature,
			"signature is required: 64 hex digits of HMAC-SHA256 over appid, timestamp and body"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxLeaveMessageBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		fail(c, leaveError(http.StatusRequestEntityTooLarge, "413", fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)))
		return
	}
	if err != nil {
		fail(c, leaveError(http.StatusBadRequest, codeLeaveMalformed, "request body could not be read"))
		return
	}

	app, err := h.store.App(c.Request.Context(), appID)
	if errors.Is(err, leavemsg.ErrUnknownApp) {
		// Fit bounds what is echoed: the appid is whatever the caller put in the path.
		fail(c, leaveError(http.StatusNotFound, codeLeaveUnknownApp, fmt.Sprintf("appid %q is unknown or has no enabled app key", leavemsg.Fit(appID, 64))))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	nonce, ok := leavemsg.Verify(app.Secret, appID, rawTS, body, sig)
	if !ok {
		fail(c, leaveError(http.StatusUnauthorized, codeLeaveBadSignature,
			`signature does not match: it must be hex HMAC-SHA256, keyed with the app secret, of appid + "\n" + timestamp + "\n" + the raw body`))
		return
	}
	if ok, wait := h.perApp.Allow(appID); !ok {
		fail(c, tooMany(c, wait))
		return
	}

	in, err := leavemsg.Decode(body)
	if err != nil {
		fail(c, leaveInputError(err))
		return
	}
	msg, err := leavemsg.Build(in, uuid.NewString(), app.TenantName, now)
	if err != nil {
		fail(c, leaveInputError(err))
		return
	}
	err = h.store.Save(c.Request.Context(), app.TenantID, msg, &leavemsg.Nonce{
		Scope: "leavemessage:" + appID, Value: nonce, ExpiresAt: leavemsg.NonceExpiry(ts),
	})
	if errors.Is(err, leavemsg.ErrReplay) {
		fail(c, leaveError(http.StatusUnauthorized, codeLeaveReplay,
			"this request was already received: each signature is accepted once, sign a new request with a new timestamp"))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	h.pruneNonces(c, now)
	c.JSON(http.StatusOK, leaveMessageResponse{codeLeaveOK, saveLeaveSuccess, msg.ID})
}

// leaveInputError gives a body's failure its result code: the field's own, or
// 4000 for a body that is not one JSON object.
func leaveInputError(err error) error {
	var fe *leavemsg.FieldError
	if errors.As(err, &fe) {
		if code, ok := leaveFieldCodes[fe.Field]; ok {
			return leaveError(http.StatusBadRequest, code, fe.Desc)
		}
	}
	return leaveError(http.StatusBadRequest, codeLeaveMalformed, "request body must be one JSON object: "+leaveBodyHint)
}

// pruneNonces sweeps expired signatures after a success. Its failure does not
// concern the caller, whose message is stored, so it is only logged.
func (h *leaveMessageHandlers) pruneNonces(c *gin.Context, now time.Time) {
	if err := h.store.PruneNonces(c.Request.Context(), now); err != nil {
		h.d.Logger.WarnContext(c.Request.Context(), "prune request nonces", "request_id", c.GetString(requestIDKey), "error", err)
	}
}

// doLeaveMessageRequest is spec 003 §15's body.
type doLeaveMessageRequest struct {
	CallID       string `json:"callId"`
	Caller       string `json:"caller"`
	LeaveMessage string `json:"leaveMessage"`
	Channel      string `json:"channel"`
}

// doLeaveMessage is spec 003 §15: a visitor of a WEB channel leaves a message
// and a number to call back.
func (h *leaveMessageHandlers) doLeaveMessage(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		fail(c, leaveError(http.StatusRequestEntityTooLarge, "413", fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)))
		return
	}
	if err != nil {
		fail(c, leaveError(http.StatusBadRequest, codeDoLeaveWrong, "request body could not be read"))
		return
	}
	var req doLeaveMessageRequest
	if err := json.Unmarshal(body, &req); err != nil {
		fail(c, leaveError(http.StatusBadRequest, codeDoLeaveWrong, "request body must be a JSON object with string fields callId, caller, leaveMessage, channel"))
		return
	}
	req.CallID, req.Caller, req.Channel = strings.TrimSpace(req.CallID), strings.TrimSpace(req.Caller), strings.TrimSpace(req.Channel)
	var empty []string
	for _, f := range []struct{ name, value string }{
		{"callId", req.CallID}, {"caller", req.Caller},
		{"leaveMessage", strings.TrimSpace(req.LeaveMessage)}, {"channel", req.Channel},
	} {
		if f.value == "" {
			empty = append(empty, f.name)
		}
	}
	if len(empty) > 0 {
		fail(c, leaveError(http.StatusBadRequest, codeDoLeaveEmpty, "parameter is empty: "+strings.Join(empty, ", ")))
		return
	}
	claims := visitorFrom(c)
	if err := requireSameUser(claims, req.CallID); err != nil {
		fail(c, err)
		return
	}
	if err := checkDoLeaveMessage(req); err != nil {
		fail(c, leaveError(http.StatusBadRequest, codeDoLeaveWrong, err.Error()))
		return
	}
	accName, err := h.store.TenantName(c.Request.Context(), claims.TenantID)
	if err == nil {
		msg := models.LeaveMessage{
			ID: uuid.NewString(), AccType: leavemsg.AccTypeApp, AccName: leavemsg.Fit(accName, leavemsg.MaxAccName),
			UserID: &req.CallID, Contact: leavemsg.VisitorContact(claims.UserName),
			Callback: leavemsg.CallbackTel, Tel: &req.Caller,
			Subject: leavemsg.Subject(req.LeaveMessage), Content: &req.LeaveMessage,
			CreateTime: leavemsg.CreateTime(h.now()),
		}
		if err = h.store.Save(c.Request.Context(), claims.TenantID, msg, nil); err == nil {
			c.JSON(http.StatusOK, resultResponse{codeDoLeaveOK, saveLeaveSuccess})
			return
		}
	}
	// Join keeps the cause for the access log while the caller gets the spec's code.
	fail(c, errors.Join(leaveError(http.StatusInternalServerError, codeDoLeaveFail,
		"Save leaveMessage failed, retry later (request id "+c.GetString(requestIDKey)+")"), err))
}

// checkDoLeaveMessage applies spec 003 §15's and cc_misc_lvmsg's rules to the
// non-empty parameters.
func checkDoLeaveMessage(req doLeaveMessageRequest) error {
	switch {
	case req.Channel != "WEB":
		return errors.New("channel must be WEB")
	case !leavemsg.ValidCallbackNumber(req.Caller):
		return errors.New("caller must be " + leavemsg.CallbackNumberRule)
	case utf8.RuneCountInString(req.CallID) > leavemsg.MaxUserID:
		return fmt.Errorf("callId must be at most %d characters to be stored with the message", leavemsg.MaxUserID)
	}
	return leavemsg.CheckMessage("leaveMessage", req.LeaveMessage)
}
