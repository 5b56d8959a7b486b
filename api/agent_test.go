package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/leavemsg"
	"github.com/ccflow/ccflow/models"
)

// agentEnv is the full router on the demo data, without Temporal: these
// tests cover what the agent API decides before it reaches a workflow.
// integration/agent_test.go covers the rest against the running stack.
type agentEnv struct {
	db     *gorm.DB
	router *gin.Engine
	clock  *testClock
	token  string
}

func newAgentEnv(t *testing.T) *agentEnv {
	db := demoDB(t)
	clock := newTestClock()
	d := testDeps(db)
	d.Tokens = newTestIssuer(t, db, clock)
	d.Agents = &agents.Store{DB: db}
	d.LeaveMessages = &leavemsg.Store{DB: db}
	e := &agentEnv{db: db, router: NewRouter(d), clock: clock}
	w := serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent1","password":"agent1-pass"}`, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var login struct {
		Token string       `json:"token"`
		Agent agentProfile `json:"agent"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &login))
	require.NotEmpty(t, login.Token)
	require.Equal(t, agentProfile{ID: "agent1", Name: login.Agent.Name, Username: "agent1", TenantID: "demo", Capacity: 3, SkillGroups: []int64{11, 12}, Role: "agent"}, login.Agent)
	e.token = login.Token
	return e
}

func (e *agentEnv) call(method, path, body string) *httptest.ResponseRecorder {
	return serve(e.router, method, path, body, map[string]string{"Authorization": "Bearer " + e.token})
}

// requireAgentError checks the {code, message} envelope of ccflow's own APIs.
func requireAgentError(t *testing.T, w *httptest.ResponseRecorder, status int, code, message string) {
	t.Helper()
	require.Equal(t, status, w.Code, w.Body.String())
	var got struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got), w.Body.String())
	require.Equal(t, code, got.Code)
	require.Contains(t, got.Message, message)
}

func TestAgentLogin(t *testing.T) {
	e := newAgentEnv(t)
	for name, body := range map[string]string{
		"wrong password": `{"username":"agent1","password":"nope"}`,
		"unknown user":   `{"username":"nobody","password":"agent1-pass"}`,
	} {
		w := serve(e.router, http.MethodPost, "/api/agent/v1/login", body, nil)
		requireAgentError(t, w, http.StatusUnauthorized, "unauthorized", "wrong username or password")
		require.NotContains(t, w.Body.String(), "token", name)
	}
	w := serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent1"}`, nil)
	requireAgentError(t, w, http.StatusBadRequest, "bad_request", "password")
	w = serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":`, nil)
	requireAgentError(t, w, http.StatusBadRequest, "bad_request", "not valid JSON")
}

func TestAgentSessionIsRequired(t *testing.T) {
	e := newAgentEnv(t)
	for name, headers := range map[string]map[string]string{
		"none":   nil,
		"basic":  {"Authorization": "Basic YWdlbnQxOmFnZW50MS1wYXNz"},
		"forged": {"Authorization": "Bearer " + e.token[:len(e.token)-4] + "AAAA"},
	} {
		w := serve(e.router, http.MethodGet, "/api/agent/v1/events", "", headers)
		require.Equal(t, http.StatusUnauthorized, w.Code, name)
	}
	// A visitor's token is not an agent session.
	vis := visitorHeaders(t, newTestIssuer(t, demoDB(t), e.clock), demoVisitor("u1"))[VisitorTokenHeader]
	w := serve(e.router, http.MethodGet, "/api/agent/v1/me", "", map[string]string{"Authorization": "Bearer " + vis})
	requireAgentError(t, w, http.StatusUnauthorized, "unauthorized", "invalid agent session")

	e.clock.advance(13 * time.Hour)
	requireAgentError(t, e.call(http.MethodGet, "/api/agent/v1/me", ""), http.StatusUnauthorized, "unauthorized", "expired")
}

func TestAgentBadInputIsRefusedBeforeAnythingChanges(t *testing.T) {
	e := newAgentEnv(t)
	cases := []struct {
		method, path, body, message string
	}{
		{http.MethodPut, "/api/agent/v1/status", `{"status":"BUSY"}`, "status"},
		{http.MethodPut, "/api/agent/v1/status", `{}`, "status"},
		{http.MethodGet, "/api/agent/v1/events?cursor=-1", "", "cursor"},
		{http.MethodGet, "/api/agent/v1/events?wait=31", "", "wait"},
		{http.MethodGet, "/api/agent/v1/events?wait=soon", "", "wait"},
		{http.MethodGet, "/api/agent/v1/conversations?scope=all", "", "scope"},
		{http.MethodPost, "/api/agent/v1/conversations/x/transfer", `{}`, "exactly one"},
		{http.MethodPost, "/api/agent/v1/conversations/x/transfer", `{"agentId":"agent2","skillGroupId":12}`, "exactly one"},
		{http.MethodPost, "/api/agent/v1/conversations/x/transfer", `{"agentId":"ghost"}`, "no such transfer target"},
		{http.MethodPost, "/api/agent/v1/conversations/x/transfer", `{"skillGroupId":99}`, "no such transfer target"},
		{http.MethodPost, "/api/agent/v1/conversations/x/messages", `{"content":""}`, "content"},
		{http.MethodPost, "/api/agent/v1/conversations/x/messages", `{"content":"hi","mediaType":"GIF"}`, "mediaType"},
		{http.MethodPost, "/api/agent/v1/conversations/x/messages", `{"content":"hi","mediaType":"VIDEO"}`, "objectKey,type"},
		{http.MethodPost, "/api/agent/v1/conversations/x/messages", `{"content":"here","mediaType":"LOCATE"}`, "latitude/longitude"},
		{http.MethodGet, "/api/agent/v1/conversations/x/messages?limit=0", "", "limit"},
	}
	for _, tc := range cases {
		requireAgentError(t, e.call(tc.method, tc.path, tc.body), http.StatusBadRequest, "bad_request", tc.message)
	}
}

func TestAgentsWorkThroughTheirTenantsLeaveMessages(t *testing.T) {
	e := newAgentEnv(t)
	store := &leavemsg.Store{DB: e.db}
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, id := range []string{"m1", "m2", "m3"} {
		content := "please call back " + id
		require.NoError(t, store.Save(ctx, models.DemoTenantID, models.LeaveMessage{
			ID: id, AccType: "app", AccName: "Demo Shop", Contact: "Ann", Callback: "email", Subject: "order " + id,
			Content: &content, CreateTime: at.Add(time.Duration(i) * time.Hour),
		}, nil))
	}
	require.NoError(t, store.Save(ctx, "other", models.LeaveMessage{
		ID: "theirs", AccType: "app", AccName: "Other", Contact: "Bob", Callback: "email", Subject: "x", CreateTime: at,
	}, nil))

	var page struct {
		Messages []leaveMessageView `json:"messages"`
		Total    int64              `json:"total"`
	}
	w := e.call(http.MethodGet, "/api/agent/v1/leave-messages?pageSize=2", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.EqualValues(t, 3, page.Total, "the other tenant's message is not counted")
	require.Equal(t, []string{"m3", "m2"}, []string{page.Messages[0].ID, page.Messages[1].ID}, "newest first")
	w = e.call(http.MethodGet, "/api/agent/v1/leave-messages?pageSize=2&page=2", "")
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.Len(t, page.Messages, 1)
	require.Equal(t, "m1", page.Messages[0].ID)

	requireAgentError(t, e.call(http.MethodGet, "/api/agent/v1/leave-messages/theirs", ""), http.StatusNotFound, "not_found", "leave message")
	requireAgentError(t, e.call(http.MethodPut, "/api/agent/v1/leave-messages/theirs/tag", `{"tag":"done"}`), http.StatusNotFound, "not_found", "leave message")

	w = e.call(http.MethodPut, "/api/agent/v1/leave-messages/m2/tag", `{"tag":"已回电"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var tagged leaveMessageView
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &tagged))
	require.Equal(t, "已回电", *tagged.Tag)
	require.True(t, at.Add(time.Hour).Equal(tagged.CreateTime), "tagging keeps when the message was left")
	w = e.call(http.MethodGet, "/api/agent/v1/leave-messages?tag=-", "")
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.EqualValues(t, 2, page.Total, "untagged ones")
	w = e.call(http.MethodGet, "/api/agent/v1/leave-messages?tag=已回电", "")
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.EqualValues(t, 1, page.Total)

	requireAgentError(t, e.call(http.MethodPut, "/api/agent/v1/leave-messages/m2/tag", `{}`), http.StatusBadRequest, "bad_request", "tag")
	requireAgentError(t, e.call(http.MethodPut, "/api/agent/v1/leave-messages/m2/tag", `{"tag":"`+strings.Repeat("长", 46)+`"}`),
		http.StatusBadRequest, "bad_request", "45")
	requireAgentError(t, e.call(http.MethodGet, "/api/agent/v1/leave-messages?pageSize=201", ""), http.StatusBadRequest, "bad_request", "pageSize")
	w = e.call(http.MethodPut, "/api/agent/v1/leave-messages/m2/tag", `{"tag":""}`)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &tagged))
	require.Nil(t, tagged.Tag, "an empty tag clears it")
}
