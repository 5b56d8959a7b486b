package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/agents"
)

// agentEnv is the full router on the demo data, without Temporal: these
// tests cover what the agent API decides before it reaches a workflow.
// integration/agent_test.go covers the rest against the running stack.
type agentEnv struct {
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
	e := &agentEnv{router: NewRouter(d), clock: clock}
	w := serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent1","password":"agent1-pass"}`, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var login struct {
		Token string       `json:"token"`
		Agent agentProfile `json:"agent"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &login))
	require.NotEmpty(t, login.Token)
	require.Equal(t, agentProfile{ID: "agent1", Name: login.Agent.Name, Username: "agent1", TenantID: "demo", Capacity: 3, SkillGroups: []int64{11, 12}}, login.Agent)
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

func TestAgentLoginIsLimitedPerUsername(t *testing.T) {
	e := newAgentEnv(t)
	for range loginBurst - 1 { // the environment's own login took one
		w := serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent1","password":"guess"}`, nil)
		require.Equal(t, http.StatusUnauthorized, w.Code)
	}
	w := serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent1","password":"agent1-pass"}`, nil)
	requireAgentError(t, w, http.StatusTooManyRequests, "rate_limited", "too many requests")
	require.NotEmpty(t, w.Header().Get("Retry-After"))
	w = serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent2","password":"agent2-pass"}`, nil)
	require.Equal(t, http.StatusOK, w.Code, "another agent is not held up")
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
		{http.MethodPost, "/api/agent/v1/conversations/x/messages", `{"content":"hi","mediaType":"VIDEO"}`, "mediaType"},
		{http.MethodGet, "/api/agent/v1/conversations/x/messages?limit=0", "", "limit"},
	}
	for _, tc := range cases {
		requireAgentError(t, e.call(tc.method, tc.path, tc.body), http.StatusBadRequest, "bad_request", tc.message)
	}
}
