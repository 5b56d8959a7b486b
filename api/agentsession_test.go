package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/leavemsg"
)

// fakeOffliner records the agents the admin API took out of routing.
type fakeOffliner struct {
	mu   sync.Mutex
	took []string
	err  error
}

func (f *fakeOffliner) TakeOffline(_ context.Context, tenantID, agentID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.took = append(f.took, tenantID+"/"+agentID)
	return f.err
}

func (f *fakeOffliner) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.took...)
}

// sessionEnv is two replicas (routers) on one database with the admin API,
// and a fake routing that records who was taken offline.
type sessionEnv struct {
	*adminEnv
	other    *gin.Engine
	offliner *fakeOffliner
}

func newSessionEnv(t *testing.T) *sessionEnv {
	e := newAdminEnv(t)
	off := &fakeOffliner{}
	e.d.AgentOffliner = off
	e.d.Metrics = prometheus.NewRegistry()
	e.d.LeaveMessages = &leavemsg.Store{DB: e.db}
	e.router = NewRouter(e.d)
	other := e.d
	other.Metrics = prometheus.NewRegistry()
	other.Tokens = newTestIssuer(t, e.db, newTestClock()) // another replica's issuer: same key from the database
	return &sessionEnv{adminEnv: e, other: NewRouter(other), offliner: off}
}

// loginFrom logs in from a client address and answers the response.
func loginFrom(h http.Handler, addr, username, password string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/agent/v1/login",
		strings.NewReader(`{"username":"`+username+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":40000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func (e *sessionEnv) login(username, password string) string {
	e.t.Helper()
	w := loginFrom(e.router, "192.0.2.10", username, password)
	require.Equal(e.t, http.StatusOK, w.Code, w.Body.String())
	var out struct {
		Token string `json:"token"`
	}
	require.NoError(e.t, json.Unmarshal(w.Body.Bytes(), &out))
	return out.Token
}

// me makes an agent call that needs no Temporal (the leave-message inbox) on a replica.
func me(h http.Handler, tok string) *httptest.ResponseRecorder {
	return serve(h, http.MethodGet, "/api/agent/v1/leave-messages", "", map[string]string{"Authorization": "Bearer " + tok})
}

func TestAgentSessionEndsOnPasswordChangeOnEveryReplica(t *testing.T) {
	e := newSessionEnv(t)
	tok := e.login("agent1", "agent1-pass")
	other := e.login("agent2", "agent2-pass")
	for _, h := range []http.Handler{e.router, e.other} {
		require.Equal(t, http.StatusOK, me(h, tok).Code, "a fresh session works on every replica")
	}
	e.ok(http.StatusOK, http.MethodPut, "/agents/agent1", `{"nickname":"小一"}`)
	require.Equal(t, http.StatusOK, me(e.other, tok).Code, "an edit that is not about credentials keeps the session")

	e.ok(http.StatusOK, http.MethodPut, "/agents/agent1", `{"password":"a-new-password"}`)
	for _, h := range []http.Handler{e.router, e.other} {
		requireAgentError(t, me(h, tok), http.StatusUnauthorized, "unauthorized", "session has ended")
	}
	require.Equal(t, http.StatusOK, me(e.other, other).Code, "another agent's session stands")
	requireAgentError(t, loginFrom(e.router, "192.0.2.10", "agent1", "agent1-pass"), http.StatusUnauthorized, "unauthorized", "wrong username or password")
	fresh := e.login("agent1", "a-new-password")
	require.Equal(t, http.StatusOK, me(e.other, fresh).Code)
	require.Empty(t, e.offliner.calls(), "a password change does not take the agent offline")
}

func TestAgentSessionEndsWhenDisabledAndStaysEndedWhenEnabledAgain(t *testing.T) {
	e := newSessionEnv(t)
	tok := e.login("agent1", "agent1-pass")
	got := e.ok(http.StatusOK, http.MethodPut, "/agents/agent1", `{"disabled":true}`)
	require.Equal(t, true, got["disabled"])
	requireAgentError(t, me(e.other, tok), http.StatusUnauthorized, "unauthorized", "disabled")
	requireAgentError(t, loginFrom(e.other, "192.0.2.10", "agent1", "agent1-pass"), http.StatusForbidden, "forbidden", "disabled")
	requireAgentError(t, loginFrom(e.other, "192.0.2.10", "agent1", "wrong-pass"), http.StatusUnauthorized, "unauthorized", "wrong username or password")
	require.Equal(t, []string{"demo/agent1"}, e.offliner.calls(), "a disabled agent's conversations go back to the queue")

	got = e.ok(http.StatusOK, http.MethodPut, "/agents/agent1", `{"disabled":false}`)
	require.Equal(t, false, got["disabled"])
	requireAgentError(t, me(e.router, tok), http.StatusUnauthorized, "unauthorized", "session has ended")
	require.Equal(t, http.StatusOK, me(e.router, e.login("agent1", "agent1-pass")).Code, "enabled again, the agent logs in anew")
}

func TestAgentSessionEndsWhenTheAgentIsDeleted(t *testing.T) {
	e := newSessionEnv(t)
	tok := e.login("agent2", "agent2-pass")
	e.offliner.err = errors.New("routing is down")
	e.ok(http.StatusNoContent, http.MethodDelete, "/agents/agent2", "")
	requireAgentError(t, me(e.other, tok), http.StatusUnauthorized, "unauthorized", "no longer exists")
	require.Equal(t, []string{"demo/agent2"}, e.offliner.calls(), "routing is told, and a failure there does not undo the delete")
	e.ok(http.StatusNotFound, http.MethodGet, "/agents/agent2", "")
}

func TestAgentLogoutEndsTheSessionOnEveryReplica(t *testing.T) {
	// Logout's second half takes the agent offline in routing (Temporal, see
	// integration/sessions_test.go); the session check and the revocation
	// are tested here on two replicas, with routing stubbed out.
	e := newSessionEnv(t)
	store := &agents.Store{DB: e.db}
	sessions := newAgentSessions(e.d, newBinder())
	offline := 0
	replica := func() *gin.Engine {
		r := gin.New()
		check := agentSession(newTestIssuer(t, e.db, newTestClock()), store)
		r.POST("/logout", check, sessions.logout, func(c *gin.Context) { offline++; c.Status(http.StatusOK) })
		r.GET("/me", check, func(c *gin.Context) { c.String(http.StatusOK, agentFrom(c).AgentID) })
		return r
	}
	a, b := replica(), replica()
	tok := e.login("agent1", "agent1-pass")
	h := map[string]string{"Authorization": "Bearer " + tok}
	require.Equal(t, http.StatusOK, serve(b, http.MethodGet, "/me", "", h).Code)
	require.Equal(t, http.StatusOK, serve(a, http.MethodPost, "/logout", "", h).Code)
	require.Equal(t, 1, offline, "logout goes on to take the agent offline")
	for _, r := range []*gin.Engine{a, b} {
		requireAgentError(t, serve(r, http.MethodGet, "/me", "", h), http.StatusUnauthorized, "unauthorized", "session has ended")
		requireAgentError(t, serve(r, http.MethodPost, "/logout", "", h), http.StatusUnauthorized, "unauthorized", "session has ended")
	}
	require.Equal(t, 1, offline, "a revoked session cannot act")
	again := e.login("agent1", "agent1-pass")
	require.Equal(t, http.StatusOK, serve(b, http.MethodGet, "/me", "", map[string]string{"Authorization": "Bearer " + again}).Code)
}

func TestAgentSessionCheckFailsClosedWhenTheDatabaseFails(t *testing.T) {
	e := newSessionEnv(t)
	tok := e.login("agent1", "agent1-pass")
	sqlDB, err := e.db.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
	w := me(e.other, tok)
	require.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
	require.NotEmpty(t, w.Header().Get("Retry-After"))
}

// loginRouter is the login route alone, with its failure guard on clock:
// bcrypt is slow under -race, and the buckets must not refill meanwhile.
func (e *sessionEnv) loginRouter(clock *testClock) *gin.Engine {
	sessions := newAgentSessions(e.d, newBinder())
	sessions.guard = newFailureGuard(loginPerAddr, loginPerUsername, clock.now)
	r := gin.New()
	r.POST("/api/agent/v1/login", sessions.login)
	return r
}

func TestAgentLoginLimitsFailuresPerUsernameButNotFromAKnownAddress(t *testing.T) {
	e := newSessionEnv(t)
	clock := newTestClock()
	r := e.loginRouter(clock)
	const office, attacker, elsewhere = "198.51.100.7", "203.0.113.9", "192.0.2.77"
	require.Equal(t, http.StatusOK, loginFrom(r, office, "agent1", "agent1-pass").Code)
	for i := range loginPerUsername.burst {
		// Spread over addresses, as a botnet would, and in another case
		// (MySQL finds the same agent): the username's bucket empties.
		w := loginFrom(r, "203.0.113."+strconv.Itoa(10+i), "Agent1", "guess")
		require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
	}
	w := loginFrom(r, attacker, "agent1", "guess")
	requireAgentError(t, w, http.StatusTooManyRequests, "rate_limited", "too many requests")
	require.Equal(t, "60", w.Header().Get("Retry-After"))
	requireAgentError(t, loginFrom(r, elsewhere, "agent1", "agent1-pass"), http.StatusTooManyRequests, "rate_limited",
		"too many requests") // the lockout: the right password from an unknown address waits too
	require.Equal(t, http.StatusOK, loginFrom(r, office, "agent1", "agent1-pass").Code,
		"the right password from where the agent logged in before is not locked out")
	require.Equal(t, http.StatusOK, loginFrom(r, elsewhere, "agent1", "agent1-pass").Code,
		"a success reset the username's bucket")
	require.Equal(t, http.StatusOK, loginFrom(r, attacker, "agent2", "agent2-pass").Code, "another agent is not held up")
	require.Equal(t, http.StatusOK, loginFrom(r, "203.0.113.10", "agent2", "agent2-pass").Code, "nor is an address with one failure")
}

func TestFailureGuardLimitsAnAddressAcrossAccounts(t *testing.T) {
	clock := newTestClock()
	g := newFailureGuard(guardRate{every: 10 * time.Second, burst: 3}, guardRate{every: time.Minute, burst: 100}, clock.now)
	const sprayer, office = "203.0.113.50", "198.51.100.7"
	for _, user := range []string{"ann", "bob", "cho"} {
		ok, _ := g.allow(user, sprayer)
		require.True(t, ok)
		g.failed(user, sprayer)
	}
	ok, wait := g.allow("dan", sprayer)
	require.False(t, ok, "spraying across usernames is limited per address")
	require.Equal(t, 10*time.Second, wait)
	ok, _ = g.allow("dan", office)
	require.True(t, ok, "other addresses are not held up")
	g.succeeded("ann", sprayer)
	ok, _ = g.allow("ann", sprayer)
	require.False(t, ok, "a known address still has its own bucket")
	for range 50 {
		g.succeeded("eve", office) // a call centre's agents share one address: successes cost nothing
	}
	ok, _ = g.allow("fay", office)
	require.True(t, ok)
	clock.advance(10 * time.Second)
	ok, _ = g.allow("dan", sprayer)
	require.True(t, ok, "the bucket refills")

	clock.advance(knownAddrTTL + time.Second)
	for range 100 {
		g.failed("eve", "203.0.113.1")
	}
	ok, _ = g.allow("eve", office)
	require.False(t, ok, "an address is known for knownAddrTTL after its last success")
}

func TestAdminAgentDisabledFieldIsValidatedAndShown(t *testing.T) {
	e := newAdminEnv(t)
	got := e.ok(http.StatusCreated, http.MethodPost, "/agents",
		`{"tenantId":"demo","username":"agent9","password":"agent9-pass","disabled":true}`)
	require.Equal(t, true, got["disabled"])
	w := loginFrom(e.router, "192.0.2.1", "agent9", "agent9-pass")
	requireAgentError(t, w, http.StatusForbidden, "forbidden", "disabled")
	w = e.call(http.MethodPut, "/agents/agent9", `{"disabled":"yes"}`)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
}
