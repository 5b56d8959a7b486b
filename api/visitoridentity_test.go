package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/leavemsg"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/internal/records"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/internal/webentry"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// noFlows stands in for the conversation workflows: the message path's rules
// (who reads and writes what) are decided before a workflow hears of it.
type noFlows struct{}

func (noFlows) Start(context.Context, string, chat.Opening) error           { return nil }
func (noFlows) AskRobot(context.Context, string, chat.Opening, int64) error { return nil }
func (noFlows) Command(context.Context, string, chat.Opening, conversation.CommandRequest) (conversation.SendResult, error) {
	return conversation.SendResult{Code: conversation.CodeOK, Desc: "ok"}, nil
}
func (noFlows) Rated(context.Context, string) error             { return nil }
func (noFlows) AgentAway(context.Context, string, string) error { return nil }

// newChatEnv is newWebEnv with the real message path on its database, so
// that sends, polls and chat records run as in production up to Temporal.
func newChatEnv(t *testing.T) *webEnv {
	t.Helper()
	return newWebEnvWith(t, func(d *Deps) {
		hub := notify.NewHub()
		d.Chat = chat.NewService(&chatlog.Log{DB: d.Directory.DB, Pub: hub}, hub, noFlows{}, slog.New(slog.DiscardHandler))
		d.ChatRecords = &chatrecords.Store{DB: d.Directory.DB}
		d.LeaveMessages = &leavemsg.Store{DB: d.Directory.DB}
		d.Records = &records.Records{DB: d.Directory.DB}
		d.FAQ = faq.NewLibrary(d.Directory.DB, 0)
	})
}

// webSession is a chat page's session: its token and user.
type webSession struct {
	e *webEnv
	webSessionResponse
}

// enter opens the visitor entry with query and cookies and exchanges the
// key, as the chat page does; it returns the session and the cookies set.
func (e *webEnv) enter(query string, cookies ...*http.Cookie) (webSession, []*http.Cookie) {
	e.t.Helper()
	w := e.do(webCall{method: http.MethodGet, path: visitorEntryPath + "?" + query, cookies: cookies})
	return webSession{e: e, webSessionResponse: e.entered(w)}, w.Result().Cookies()
}

// call sends a customer API request with the session's token alone.
func (s webSession) call(method, path, body string) *httptest.ResponseRecorder {
	s.e.t.Helper()
	return s.e.do(webCall{method: method, path: path, body: body, headers: map[string]string{VisitorTokenHeader: s.Token}})
}

// send posts one message as the session's visitor.
func (s webSession) send(controlType, content string) *httptest.ResponseRecorder {
	s.e.t.Helper()
	body, err := json.Marshal(map[string]string{
		"channel": "WEB", "controlType": controlType, "content": content, "mediaType": "TEXT",
		"sourceType": "CUSTOMER", "from": s.UserID, "to": s.ChannelConfigID,
	})
	require.NoError(s.e.t, err)
	return s.call(http.MethodPost, "/apiaccess/ccmessaging/send", string(body))
}

// records lists the session's chat records and returns their contents.
func (s webSession) records(memberID string) (int, []string) {
	s.e.t.Helper()
	w := s.call(http.MethodGet, "/chat-records/list?memberId="+memberID+"&sellerId="+models.DemoTenantID, "")
	if w.Code != http.StatusOK {
		return w.Code, nil
	}
	var page chatPage
	require.NoError(s.e.t, json.Unmarshal(w.Body.Bytes(), &page))
	var out []string
	for _, it := range page.Items {
		out = append(out, it.Cnt)
	}
	return w.Code, out
}

// pollContents polls from the start and returns the downlink contents.
func (s webSession) pollContents() []string {
	s.e.t.Helper()
	w := s.call(http.MethodGet, "/apiaccess/ccmessaging/poll?cursor=0", "")
	require.Equal(s.e.t, http.StatusOK, w.Code, w.Body.String())
	var p pollResponse
	require.NoError(s.e.t, json.Unmarshal(w.Body.Bytes(), &p))
	var out []string
	for _, m := range p.DownlinkMessages {
		out = append(out, m.Content)
	}
	return out
}

// signedQuery is a visitor entry query for id signed at ts with secret.
func signedQuery(secret, id string, ts int64) string {
	return fmt.Sprintf("business_id=1&visiter_id=%s&timestamp=%d&signature=%s", id, ts, webentry.SignVisitor(secret, 1, id, ts))
}

func TestSignedVisitorSeesTheirHistoryAndAnUnsignedClaimDoesNot(t *testing.T) {
	e := newChatEnv(t)
	// A logged-in user of the shop, signed by the shop's backend, chats.
	signed, cookies := e.enter(signedQuery("demo-app-secret", "member-42", e.clock.now().Unix()))
	require.Equal(t, "member-42", signed.UserID, "a signed id is the shop's own user id")
	require.Empty(t, cookies, "a signed visitor needs no browser binding")
	require.Equal(t, http.StatusOK, signed.send("CONNECT", "").Code)
	w := signed.send("CHAT", "my order 1234 has my address")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	code, history := signed.records("member-42")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, history, "my order 1234 has my address")

	// Someone who types the same id into the entry, unsigned, is somebody else.
	claim, cookies := e.enter("business_id=1&visiter_id=member-42")
	require.True(t, strings.HasPrefix(claim.UserID, webentry.AnonIDPrefix), claim.UserID)
	require.NotEqual(t, "member-42", claim.UserID)
	require.Len(t, cookies, 1, "the unsigned visitor is bound to this browser")
	code, got := claim.records(claim.UserID)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, got, "no record of the signed user")
	code, _ = claim.records("member-42")
	require.Equal(t, http.StatusForbidden, code, "naming the signed user is refused")
	require.Empty(t, claim.pollContents(), "no message of the signed user's open conversation")
	require.Contains(t, signed.pollContents(), "欢迎欢迎，热烈欢迎", "the signed user's conversation is there")

	// The same browser with the same claim comes back to its own chat; another browser does not.
	require.Equal(t, http.StatusOK, claim.send("CONNECT", "").Code)
	require.Equal(t, http.StatusOK, claim.send("CHAT", "unsigned hello").Code)
	again, _ := e.enter("business_id=1&visiter_id=member-42", cookies[0])
	require.Equal(t, claim.UserID, again.UserID)
	_, got = again.records(again.UserID)
	require.Contains(t, got, "unsigned hello", "the browser that started it reads it")
	other, _ := e.enter("business_id=1&visiter_id=member-42")
	require.NotEqual(t, claim.UserID, other.UserID, "another browser claiming the same id is a third visitor")
	_, got = other.records(other.UserID)
	require.Empty(t, got)
	require.Empty(t, other.pollContents())

	// A later signed entry of the same user sees everything of theirs, and nothing of the claims.
	later, _ := e.enter(signedQuery("demo-app-secret", "member-42", e.clock.now().Unix()))
	_, got = later.records("member-42")
	require.Contains(t, got, "my order 1234 has my address")
	require.NotContains(t, got, "unsigned hello")
}

func TestVisitorSignaturesAreChecked(t *testing.T) {
	e := newChatEnv(t)
	now := time.Now().Unix()
	good := webentry.SignVisitor("demo-app-secret", 1, "member-7", now)
	for name, tc := range map[string]struct {
		query  string
		status int
		msg    string
	}{
		"forged with another key": {signedQuery("not-the-secret", "member-7", now), 401, "signature does not match"},
		"signature of another id": {fmt.Sprintf("business_id=1&visiter_id=member-8&timestamp=%d&signature=%s", now, good), 401, "signature does not match"},
		"another timestamp":       {fmt.Sprintf("business_id=1&visiter_id=member-7&timestamp=%d&signature=%s", now+1, good), 401, "signature does not match"},
		"another business": {fmt.Sprintf("business_id=2&visiter_id=member-7&timestamp=%d&signature=%s", now,
			webentry.SignVisitor("demo-app-secret", 2, "member-7", now)), 401, "signature does not match"},
		"expired":               {signedQuery("demo-app-secret", "member-7", now-int64(webentry.SignatureMaxAge/time.Second)-5), 401, "more than 10 minutes old"},
		"from the future":       {signedQuery("demo-app-secret", "member-7", now+300), 401, "in the future"},
		"signature alone":       {"business_id=1&visiter_id=member-7&signature=" + good, 400, "needs both timestamp and signature"},
		"timestamp alone":       {"business_id=1&visiter_id=member-7&timestamp=" + strconv.FormatInt(now, 10), 400, "needs both timestamp and signature"},
		"no id":                 {fmt.Sprintf("business_id=1&timestamp=%d&signature=%s", now, good), 400, "visiter_id, which is missing"},
		"signature not hex":     {fmt.Sprintf("business_id=1&visiter_id=member-7&timestamp=%d&signature=%s", now, strings.ToUpper(good)), 400, "64 lower-case hex digits"},
		"timestamp not seconds": {"business_id=1&visiter_id=member-7&timestamp=soon&signature=" + good, 400, "timestamp must be unix seconds"},
		"unsigned namespace":    {signedQuery("demo-app-secret", "anon-0123", now), 400, `must not start with "anon-"`},
	} {
		t.Run(name, func(t *testing.T) {
			w := e.do(webCall{method: http.MethodGet, path: visitorEntryPath + "?" + tc.query})
			require.Equal(t, tc.status, w.Code, w.Body.String())
			out := decodeGroups(t, w.Body.Bytes())
			require.Equal(t, tc.status, out.ErrorCode)
			require.Contains(t, out.Message, tc.msg)
			require.Empty(t, w.Result().Cookies())
		})
	}
	var n int64
	require.NoError(t, e.db.Model(&models.WebKey{}).Count(&n).Error)
	require.Zero(t, n, "a refused signature opens nothing")

	// The rotated secret signs from the moment it is rotated.
	require.NoError(t, e.db.Model(&models.AppKey{}).Where("`key` = ?", models.DemoAppKey).Update("secret", "rotated").Error)
	w := e.do(webCall{method: http.MethodGet, path: visitorEntryPath + "?" + signedQuery("demo-app-secret", "member-7", now)})
	require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
	s, _ := e.enter(signedQuery("rotated", "member-7", now))
	require.Equal(t, "member-7", s.UserID)
}

// The spec 003 way in (applyToken) names an app's users: it cannot name the
// ids ccflow keeps for guests and unsigned web visitors.
func TestApplyTokenCannotNameWebVisitors(t *testing.T) {
	e := newChatEnv(t)
	access, _, _, err := e.issuer.IssueAccess(models.DemoAppKey, models.DemoTenantID, 10*time.Minute)
	require.NoError(t, err)
	for _, id := range []string{"anon-0123456789abcdef0123456789abcdef", "guest-0123"} {
		w := e.do(webCall{method: http.MethodPost, path: applyTokenPath,
			headers: map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer " + access},
			body:    `{"userId":"` + id + `","userName":"x","channelId":"` + models.DemoChannelConfigID + `","locale":"zh"}`})
		require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		code, desc := envelope(t, w)
		require.Equal(t, "1", code, "applyToken's failure code")
		require.Contains(t, desc, "must not start with")
	}
}

// A member is a user of one channel: the same user id's records and
// conversation on another channel of the tenant are not theirs.
func TestChatRecordsOfAnotherChannelAreNotVisible(t *testing.T) {
	e := newChatEnv(t)
	second := models.ChannelConfig{ID: "2022000000000000002", TenantID: models.DemoTenantID, Name: "App",
		RobotEnabled: true, RobotNickname: "小A", RobotGreeting: "hi app", RobotMaxMisses: 3,
		WorkingHours: "always", TimeZone: "Asia/Shanghai", Locale: "zh", MaxQueueWaitSec: 300, RobotIdleSec: 600,
		AgentIdleSec: 900, SatisfactionSec: 120, DefaultSkillGroup: 11}
	require.NoError(t, e.db.Create(&second).Error)
	onWeb := demoVisitor("user-9")
	onApp := demoVisitor("user-9")
	onApp.ChannelConfigID = second.ID
	web := webSession{e: e}
	web.UserID, web.ChannelConfigID = onWeb.UserID, onWeb.ChannelConfigID
	web.Token = issueToken(t, e.issuer, onWeb)
	app := webSession{e: e}
	app.UserID, app.ChannelConfigID = onApp.UserID, onApp.ChannelConfigID
	app.Token = issueToken(t, e.issuer, onApp)

	require.Equal(t, http.StatusOK, web.send("CONNECT", "").Code)
	require.Equal(t, http.StatusOK, web.send("CHAT", "said on the web").Code)
	w := web.call(http.MethodPost, "/chat-records/create", `{"memberId":"user-9","sellerId":"demo","messageType":"RC:TxtMsg","cnt":"noted on the web"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, http.StatusOK, app.send("CONNECT", "").Code)
	require.Equal(t, http.StatusOK, app.send("CHAT", "said in the app").Code)

	_, got := web.records("user-9")
	require.Contains(t, got, "said on the web")
	require.Contains(t, got, "noted on the web")
	require.NotContains(t, got, "said in the app")
	_, got = app.records("user-9")
	require.Contains(t, got, "said in the app")
	require.NotContains(t, got, "said on the web")
	require.NotContains(t, got, "noted on the web")

	var webRecord models.ChatRecord
	require.NoError(t, e.db.Where("content = ?", "said on the web").Take(&webRecord).Error)
	w = app.call(http.MethodPost, "/chat-records/delete", `{"memberId":"user-9","id":`+strconv.FormatUint(webRecord.ID, 10)+`}`)
	require.Equal(t, http.StatusNotFound, w.Code, "another channel's record cannot be deleted: %s", w.Body.String())
	w = app.call(http.MethodGet, "/chat-records/chat-list?memberId=user-9", "")
	require.Equal(t, http.StatusOK, w.Code)
	require.NotContains(t, w.Body.String(), "on the web")
}

// issueToken is a ccmessaging-token for claims; the customer calls these
// tests make need no app headers beyond it when they are optional.
func issueToken(t *testing.T, iss *token.Issuer, claims token.VisitorClaims) string {
	t.Helper()
	claims.Web = true
	tok, err := iss.IssueVisitor(claims, token.VisitorTTL)
	require.NoError(t, err)
	return tok
}
