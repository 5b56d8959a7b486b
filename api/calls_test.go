package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/calls"
	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/clicktocall"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/call"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// fakeCallFlows stands in for the conversation and call workflows.
type fakeCallFlows struct {
	mu       sync.Mutex
	start    conversation.SendResult
	startErr error
	starts   []conversation.CallRequest
	updates  []string
	updErr   error
}

func (f *fakeCallFlows) StartCall(_ context.Context, _ string, r conversation.CallRequest) (conversation.SendResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, r)
	return f.start, f.startErr
}

func (f *fakeCallFlows) Update(_ context.Context, callID, name string, arg any) (call.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, name)
	if d, ok := arg.(call.DropRequest); ok {
		f.updates[len(f.updates)-1] += ":" + d.Side
	}
	return call.Snapshot{CallID: callID, State: call.StateConnected}, f.updErr
}

// fakeConvs answers the visitors' conversations.
type fakeConvs map[string]models.Conversation

func (f fakeConvs) Conversation(_ context.Context, _, userID string) (models.Conversation, error) {
	c, ok := f[userID]
	if !ok {
		return c, chat.ErrNoConversation
	}
	return c, nil
}

type callEnv struct {
	t      *testing.T
	db     *gorm.DB
	router *gin.Engine
	flows  *fakeCallFlows
	store  *calls.Store
	convs  fakeConvs
	hdr    map[string]string
	agent  string
}

func newCallEnv(t *testing.T) *callEnv {
	db := demoDB(t)
	d := testDeps(db)
	d.Tokens = newTestIssuer(t, db, newTestClock())
	d.Agents = &agents.Store{DB: db}
	d.AdminKey = testAdminKey
	d.Admin = &admin.Store{DB: db}
	e := &callEnv{t: t, db: db, flows: &fakeCallFlows{start: conversation.SendResult{Code: "0", Desc: conversation.DescCallCreated}},
		store: &calls.Store{DB: db}, convs: fakeConvs{"visitor-1": {ID: "conv-1", Phase: "AGENT"}}}
	d.CallStore = e.store
	d.Calls = &clicktocall.Service{Store: e.store, Chats: e.convs, Flows: e.flows}
	d.ICE = clicktocall.ICEConfig{TURNURLs: []string{"turn:127.0.0.1:3478?transport=udp"}, Secret: "s3cret"}
	d.Settings.PublicURL = "https://cc.example.com"
	e.router = NewRouter(d)
	e.hdr = visitorHeaders(t, d.Tokens, demoVisitor("visitor-1"))
	w := serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent1","password":"agent1-pass"}`, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var login struct{ Token string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &login))
	e.agent = login.Token
	return e
}

func (e *callEnv) visitor(method, path, body string) *httptest.ResponseRecorder {
	return serve(e.router, method, "/apiaccess/ccmessaging/v1/"+path, body, e.hdr)
}

func (e *callEnv) asAgent(method, path, body string) *httptest.ResponseRecorder {
	return serve(e.router, method, "/api/agent/v1/"+path, body, map[string]string{"Authorization": "Bearer " + e.agent})
}

func (e *callEnv) admin(method, path, body string) *httptest.ResponseRecorder {
	return serve(e.router, method, "/api/admin/v1/"+path, body, map[string]string{"Authorization": "Bearer " + testAdminKey})
}

// enable turns click-to-call on for the demo channel, video as given.
func (e *callEnv) enable(video bool) {
	body := `{"enabled":true,"videoAllowed":false}`
	if video {
		body = `{"enabled":true,"videoAllowed":true}`
	}
	w := e.admin(http.MethodPut, "channel-configs/"+models.DemoChannelConfigID+"/click-to-call", body)
	require.Equal(e.t, http.StatusOK, w.Code, w.Body.String())
}

// result decodes {resultCode, resultDesc} of a 200.
func (e *callEnv) result(w *httptest.ResponseRecorder) (string, string) {
	e.t.Helper()
	require.Equal(e.t, http.StatusOK, w.Code, w.Body.String())
	return envelope(e.t, w)
}

// placed creates a call that the fake workflows accept and returns its row.
func (e *callEnv) placed() models.ClickToCall {
	e.t.Helper()
	code, _ := e.result(e.visitor(http.MethodPost, "createClickToCall", `{"channel":"WEB","mediaAbility":"0"}`))
	require.Equal(e.t, "0", code)
	c, err := e.store.Latest(context.Background(), models.DemoChannelConfigID, "visitor-1")
	require.NoError(e.t, err)
	return c
}

// step writes a workflow step of the call.
func (e *callEnv) step(c models.ClickToCall, n int64, state string, ev *calls.Event, agent string, ended bool) {
	e.t.Helper()
	require.NoError(e.t, e.store.Apply(context.Background(), calls.Step{
		CallID: c.CallID, Number: n, State: state, At: time.Now(), Event: ev, AgentID: agent, Ended: ended,
	}))
}

func TestCheckClickToCallSupport(t *testing.T) {
	e := newCallEnv(t)
	w := e.visitor(http.MethodGet, "checkClickToCallSupport?channel=WEB", "")
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"webRTCSupported":true,"clickToCallSupported":false,"videoSupported":false,"resultCode":"0","resultDesc":""}`, w.Body.String())
	e.enable(false)
	w = e.visitor(http.MethodGet, "checkClickToCallSupport?channel=WEB", "")
	require.JSONEq(t, `{"webRTCSupported":true,"clickToCallSupported":true,"videoSupported":false,"resultCode":"0","resultDesc":""}`, w.Body.String())
	e.enable(true)
	w = e.visitor(http.MethodGet, "checkClickToCallSupport?channel=WEB", "")
	require.JSONEq(t, `{"webRTCSupported":true,"clickToCallSupported":true,"videoSupported":true,"resultCode":"0","resultDesc":""}`, w.Body.String())
	// Video allowed on a channel whose click-to-call is off offers nothing.
	w = e.admin(http.MethodPut, "channel-configs/"+models.DemoChannelConfigID+"/click-to-call", `{"enabled":false}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = e.visitor(http.MethodGet, "checkClickToCallSupport?channel=WEB", "")
	require.JSONEq(t, `{"webRTCSupported":true,"clickToCallSupported":false,"videoSupported":false,"resultCode":"0","resultDesc":""}`, w.Body.String())

	requireFailure(t, e.visitor(http.MethodGet, "checkClickToCallSupport", ""), http.StatusBadRequest, "channel")
	requireFailure(t, e.visitor(http.MethodGet, "checkClickToCallSupport?channel=APP", ""), http.StatusBadRequest, "channel")
	requireFailure(t, serve(e.router, http.MethodGet, "/apiaccess/ccmessaging/v1/checkClickToCallSupport?channel=WEB", "", nil),
		http.StatusUnauthorized, "ccmessaging-token")
}

func TestCreateClickToCallResultCodes(t *testing.T) {
	e := newCallEnv(t)
	create := func(body string) *httptest.ResponseRecorder {
		return e.visitor(http.MethodPost, "createClickToCall", body)
	}
	audio := `{"channel":"WEB","mediaAbility":"0"}`
	video := `{"channel":"WEB","mediaAbility":"1"}`

	code, desc := e.result(create(audio))
	require.Equal(t, "7", code, "click-to-call is off by default")
	require.Equal(t, clicktocall.DescNotSupported, desc)
	e.enable(false)
	code, desc = e.result(create(video))
	require.Equal(t, "7", code)
	require.Equal(t, clicktocall.DescNoVideo, desc)
	require.Empty(t, e.flows.starts, "a refused request starts nothing")

	// Bad input: 400 with send's failure code 13, nothing written.
	for _, body := range []string{`{"channel":"WEB"}`, `{"channel":"WEB","mediaAbility":"2"}`, `{"channel":"APP","mediaAbility":"0"}`,
		`{"mediaAbility":"0"}`, `{"channel":"WEB","mediaAbility":0}`, `not json`} {
		w := create(body)
		require.Equal(t, http.StatusBadRequest, w.Code, body)
		got, _ := envelope(t, w)
		require.Equal(t, "13", got, body)
	}
	var n int64
	require.NoError(t, e.db.Model(&models.ClickToCall{}).Count(&n).Error)
	require.Zero(t, n)

	// No conversation, or one that has ended: 13.
	delete(e.convs, "visitor-1")
	code, desc = e.result(create(audio))
	require.Equal(t, "13", code)
	require.Equal(t, conversation.DescCallNoConversation, desc)
	e.convs["visitor-1"] = models.Conversation{ID: "conv-1", Phase: "SATISFACTION"}
	code, _ = e.result(create(audio))
	require.Equal(t, "13", code)

	// Outside working hours the conversation answers 12; the row ends.
	e.convs["visitor-1"] = models.Conversation{ID: "conv-1", Phase: "ROBOT"}
	e.flows.start = conversation.SendResult{Code: "12", Desc: conversation.DescNotWorkingHours}
	code, desc = e.result(create(audio))
	require.Equal(t, "12", code)
	require.Equal(t, conversation.DescNotWorkingHours, desc)
	c, err := e.store.Latest(context.Background(), models.DemoChannelConfigID, "visitor-1")
	require.NoError(t, err)
	require.NotNil(t, c.EndedAt)
	require.Nil(t, c.AccessCode)

	// Accepted: 0, a row for the conversation with the channel's timeouts.
	e.flows.start = conversation.SendResult{Code: "0", Desc: conversation.DescCallCreated}
	c = e.placed()
	require.Equal(t, "conv-1", c.ConversationID)
	require.Equal(t, "audio", c.MediaType)
	require.NotNil(t, c.AccessCode)
	last := e.flows.starts[len(e.flows.starts)-1]
	require.Equal(t, c.CallID, last.CallID)
	require.Equal(t, time.Duration(calls.DefaultQueueTimeoutSec)*time.Second, last.QueueTimeout)
	require.Equal(t, time.Duration(calls.DefaultRingTimeoutSec)*time.Second, last.RingTimeout)

	// While it is on, another is refused (13).
	e.step(c, 1, "QUEUING", &calls.Event{EventID: call.EventInQueue, Desc: call.DescInQueue}, "", false)
	code, desc = e.result(create(audio))
	require.Equal(t, "13", code)
	require.Equal(t, conversation.DescCallInProgress, desc)

	// Temporal down: 503 with Retry-After.
	e.step(c, 2, "RELEASED", nil, "", true)
	e.flows.startErr = errUnavailable
	w := create(audio)
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.NotEmpty(t, w.Header().Get("Retry-After"))
	got, _ := envelope(t, w)
	require.Equal(t, "13", got)
}

func TestGetClickToCallEventsInOrderOnce(t *testing.T) {
	e := newCallEnv(t)
	events := func() map[string]any {
		w := e.visitor(http.MethodGet, "getClickToCallEvents?channel=WEB", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var out map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
		return out
	}
	require.Equal(t, map[string]any{"resultCode": "0", "resultDesc": call.DescNoEvents}, events())

	e.enable(false)
	c := e.placed()
	e.step(c, 1, "QUEUING", &calls.Event{EventID: call.EventInQueue, Desc: call.DescInQueue}, "", false)
	e.step(c, 2, "RINGING", nil, "agent1", false)
	e.step(c, 3, "CONNECTED", &calls.Event{EventID: call.EventConnected, Desc: call.DescConnected}, "", false)
	e.step(c, 3, "CONNECTED", &calls.Event{EventID: call.EventConnected, Desc: call.DescConnected}, "", false) // a retried step

	require.Equal(t, map[string]any{"resultCode": "0", "resultDesc": "Call in queue", "eventId": "168100", "content": map[string]any{}}, events())
	require.Equal(t, map[string]any{"resultCode": "0", "resultDesc": "Call connected", "eventId": "168101", "content": map[string]any{
		"accessCode": *c.AccessCode, "domain": "cc.example.com", "gwAddresses": []any{"cc.example.com:443"}, "clickToCallCaller": "visitor-1",
	}}, events())
	require.Equal(t, call.DescNoEvents, events()["resultDesc"], "each event once")

	e.step(c, 4, "RELEASED", &calls.Event{EventID: call.EventDisconnected, Desc: call.DescDisconnected,
		CauseID: call.CauseAgentHangUp.ID, CauseDesc: call.CauseAgentHangUp.Desc}, "", true)
	require.Equal(t, map[string]any{"resultCode": "0", "resultDesc": "Call disconnected", "eventId": "168102", "content": map[string]any{
		"causeId": "1", "causeDesc": "the agent hung up",
	}}, events())

	requireFailure(t, e.visitor(http.MethodGet, "getClickToCallEvents", ""), http.StatusBadRequest, "channel")
	requireFailure(t, e.visitor(http.MethodGet, "getClickToCallEvents?channel=WEB&wait=31", ""), http.StatusBadRequest, "wait")
	// Another visitor sees none of these.
	other := visitorHeaders(t, e.routerIssuer(), demoVisitor("visitor-2"))
	w := serve(e.router, http.MethodGet, "/apiaccess/ccmessaging/v1/getClickToCallEvents?channel=WEB", "", other)
	require.Contains(t, w.Body.String(), call.DescNoEvents)
}

// routerIssuer is an issuer on the same database (its signing key is shared).
func (e *callEnv) routerIssuer() *token.Issuer {
	iss := newTestIssuer(e.t, e.db, newTestClock())
	return iss
}

func TestDropClickToCall(t *testing.T) {
	e := newCallEnv(t)
	drop := func(body string) *httptest.ResponseRecorder {
		return e.visitor(http.MethodPost, "dropClickToCall", body)
	}
	code, desc := e.result(drop(`{"channel":"WEB"}`))
	require.Equal(t, "13", code)
	require.Equal(t, call.DescNothingToDrop, desc)

	e.enable(false)
	c := e.placed()
	e.step(c, 1, "QUEUING", nil, "", false)
	code, _ = e.result(drop(`{"channel":"WEB"}`))
	require.Equal(t, "0", code)
	require.Equal(t, []string{"drop:customer"}, e.flows.updates)

	e.flows.updErr = &clicktocall.RefusedError{Reason: call.DescCallEnded}
	code, desc = e.result(drop(`{"channel":"WEB"}`))
	require.Equal(t, "13", code)
	require.Equal(t, call.DescCallEnded, desc)

	e.flows.updErr = errors.Join(errUnavailable)
	w := drop(`{"channel":"WEB"}`)
	require.Equal(t, http.StatusServiceUnavailable, w.Code)

	for _, body := range []string{`{}`, `{"channel":"APP"}`, `[]`} {
		w := drop(body)
		require.Equal(t, http.StatusBadRequest, w.Code, body)
		got, _ := envelope(t, w)
		require.Equal(t, "13", got)
	}
}

func TestMobileAgentCreateCall(t *testing.T) {
	e := newCallEnv(t)
	app := map[string]string{appKeyHeader: e.hdr[appKeyHeader], authorizationHeader: e.hdr[authorizationHeader]}
	post := func(body string, h map[string]string) *httptest.ResponseRecorder {
		return serve(e.router, http.MethodPost, "/apiaccess/ccmessaging/v1/mobileagent/createcall", body, h)
	}
	code, desc := e.result(post(`{"called":"88884432","callData":"1","callerPresent":"95599"}`, app))
	require.Equal(t, "3001000001", code, "the SIP service is off")
	require.Contains(t, desc, "not enabled")

	for _, body := range []string{`{}`, `{"called":""}`, `{"called":"abc"}`, `{"called":"123456789012345678901234567890123"}`,
		`{"called":"88884432","callerPresent":"x"}`, `{"called":"88884432","callData":"` + string(make([]byte, 0)) + stringOf('a', 1025) + `"}`, `nope`} {
		w := post(body, app)
		require.Equal(t, http.StatusBadRequest, w.Code, body)
		got, _ := envelope(t, w)
		require.Equal(t, "3001000003", got, body)
	}
	w := post(`{"called":"88884432"}`, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
}

func stringOf(r rune, n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = r
	}
	return string(b)
}

func TestAgentCallControlsAndTheGateway(t *testing.T) {
	e := newCallEnv(t)
	e.enable(false)
	w := e.asAgent(http.MethodGet, "calls", "")
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"calls":[]}`, w.Body.String())

	c := e.placed()
	e.step(c, 1, "QUEUING", nil, "", false)
	e.step(c, 2, "RINGING", nil, "agent1", false)
	w = e.asAgent(http.MethodGet, "calls", "")
	require.Contains(t, w.Body.String(), `"state":"RINGING"`)
	require.Contains(t, w.Body.String(), c.CallID)

	w = e.asAgent(http.MethodPost, "calls/"+c.CallID+"/accept", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "accept", e.flows.updates[0])
	e.flows.updErr = &clicktocall.RefusedError{Reason: call.DescNotRinging}
	w = e.asAgent(http.MethodPost, "calls/"+c.CallID+"/reject", "")
	requireAgentError(t, w, http.StatusConflict, "conflict", call.DescNotRinging)
	e.flows.updErr = nil

	// The gateway: the offer only once connected, then once.
	gw := "/rtc/v1/calls/" + *c.AccessCode
	w = serve(e.router, http.MethodPost, gw+"/offer", `{"sdp":"v=0 offer"}`, nil)
	require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	e.step(c, 3, "CONNECTED", nil, "", false)
	w = serve(e.router, http.MethodPost, gw+"/offer", `{"sdp":"v=0 offer"}`, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = serve(e.router, http.MethodPost, gw+"/offer", `{"sdp":"v=0 again"}`, nil)
	require.Equal(t, http.StatusConflict, w.Code)
	w = serve(e.router, http.MethodPost, gw+"/offer", `{}`, nil)
	require.Equal(t, http.StatusBadRequest, w.Code)

	w = e.asAgent(http.MethodGet, "calls/"+c.CallID+"?wait=1", "")
	require.Equal(t, http.StatusOK, w.Code)
	var got callView
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	require.Equal(t, "v=0 offer", *got.Offer)
	require.Len(t, got.ICEServers, 1)
	require.Contains(t, got.ICEServers[0].Username, ":"+c.CallID)
	require.Equal(t, clicktocall.TURNPassword("s3cret", got.ICEServers[0].Username), got.ICEServers[0].Credential)

	w = e.asAgent(http.MethodPost, "calls/"+c.CallID+"/answer", `{"sdp":"v=0 answer"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = serve(e.router, http.MethodGet, gw, "", nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	require.Equal(t, "v=0 answer", *got.Answer)
	require.Empty(t, got.AgentID, "the visitor's side does not learn the agent's id")

	// Another agent's call is not agent2's; an ended call closes the gateway.
	e.step(c, 4, "RELEASED", nil, "", true)
	w = serve(e.router, http.MethodGet, gw, "", nil)
	require.Equal(t, http.StatusNotFound, w.Code)
	w = serve(e.router, http.MethodGet, "/rtc/v1/calls/nope", "", nil)
	require.Equal(t, http.StatusNotFound, w.Code)
	require.NoError(t, e.db.Model(&models.ClickToCall{}).Where("call_id = ?", c.CallID).Update("agent_id", "agent2").Error)
	w = e.asAgent(http.MethodGet, "calls/"+c.CallID, "")
	require.Equal(t, http.StatusForbidden, w.Code)
	w = e.asAgent(http.MethodGet, "calls/unknown", "")
	require.Equal(t, http.StatusNotFound, w.Code)
}

func TestAdminClickToCallSettings(t *testing.T) {
	e := newCallEnv(t)
	path := "channel-configs/" + models.DemoChannelConfigID + "/click-to-call"
	w := e.admin(http.MethodGet, path, "")
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"channelConfigId":"`+models.DemoChannelConfigID+`","enabled":false,"videoAllowed":false,"queueTimeoutSec":120,"ringTimeoutSec":30}`, w.Body.String())
	w = e.admin(http.MethodPut, path, `{"enabled":true,"videoAllowed":true,"ringTimeoutSec":20}`)
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"channelConfigId":"`+models.DemoChannelConfigID+`","enabled":true,"videoAllowed":true,"queueTimeoutSec":120,"ringTimeoutSec":20}`, w.Body.String())

	for _, body := range []string{`{"ringTimeoutSec":0}`, `{"queueTimeoutSec":3601}`, `{"colour":"red"}`, `{"enabled":"yes"}`} {
		w := e.admin(http.MethodPut, path, body)
		require.Equal(t, http.StatusBadRequest, w.Code, body)
	}
	w = e.admin(http.MethodGet, path, "")
	require.Contains(t, w.Body.String(), `"ringTimeoutSec":20`, "a refused change changes nothing")
	require.Equal(t, http.StatusNotFound, e.admin(http.MethodGet, "channel-configs/nope/click-to-call", "").Code)
	require.Equal(t, http.StatusNotFound, e.admin(http.MethodPut, "channel-configs/nope/click-to-call", `{}`).Code)
	require.Equal(t, http.StatusUnauthorized, serve(e.router, http.MethodGet, "/api/admin/v1/"+path, "", nil).Code)
}
