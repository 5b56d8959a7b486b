package api

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/agents"
)

// cookieLogin logs in as a page does and answers the response.
func cookieLogin(h http.Handler, username, password string, overTLS bool) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/agent/v1/login",
		strings.NewReader(`{"username":"`+username+`","password":"`+password+`","cookie":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "192.0.2.20:40000"
	if overTLS {
		req.TLS = &tls.ConnectionState{}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func cookieNamed(t *testing.T, w *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, w.Header().Values("Set-Cookie"))
	return nil
}

func TestPagesGetAnHttpOnlyCookieSessionWithCSRF(t *testing.T) {
	e := newSessionEnv(t)
	w := cookieLogin(e.router, "agent1", "agent1-pass", false)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var body map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	require.NotContains(t, body, "token", "no script sees the session token")
	session := cookieNamed(t, w, agentCookieName)
	require.True(t, session.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, session.SameSite)
	require.Equal(t, agentCookiePath, session.Path)
	require.False(t, session.Secure, "plain http on a developer's machine")
	require.Positive(t, session.MaxAge)
	csrf := cookieNamed(t, w, csrfCookieName)
	require.False(t, csrf.HttpOnly, "the page reads it")
	require.Equal(t, http.SameSiteStrictMode, csrf.SameSite)
	require.Equal(t, csrf.Value, body["csrf"])
	require.NotContains(t, csrf.Value, session.Value)

	secure := cookieLogin(e.router, "agent2", "agent2-pass", true)
	require.Equal(t, http.StatusOK, secure.Code)
	require.True(t, cookieNamed(t, secure, agentCookieName).Secure, "Secure over TLS")
	require.True(t, cookieNamed(t, secure, csrfCookieName).Secure)

	withCookie := map[string]string{"Cookie": agentCookieName + "=" + session.Value}
	require.Equal(t, http.StatusOK, serve(e.other, http.MethodGet, "/api/agent/v1/leave-messages", "", withCookie).Code,
		"reads ride on the cookie, on any replica")

	// A state-changing call needs the CSRF header, right for this session.
	tag := func(headers map[string]string) *httptest.ResponseRecorder {
		return serve(e.router, http.MethodPut, "/api/agent/v1/leave-messages/999999/tag", `{"tag":"x"}`, headers)
	}
	requireAgentError(t, tag(withCookie), http.StatusForbidden, "forbidden", csrfHeader)
	other := cookieNamed(t, secure, csrfCookieName).Value
	requireAgentError(t, tag(map[string]string{"Cookie": withCookie["Cookie"], csrfHeader: other}), http.StatusForbidden, "forbidden", csrfHeader)
	w = tag(map[string]string{"Cookie": withCookie["Cookie"], csrfHeader: csrf.Value})
	require.Equal(t, http.StatusNotFound, w.Code, "past the session and CSRF checks: "+w.Body.String())

	// curl users keep the bearer token, without any CSRF header.
	tok := e.login("agent1", "agent1-pass")
	w = tag(map[string]string{"Authorization": "Bearer " + tok})
	require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())

	// A disable ends the cookie session at once, like any other.
	e.ok(http.StatusOK, http.MethodPut, "/agents/agent1", `{"disabled":true}`)
	requireAgentError(t, serve(e.other, http.MethodGet, "/api/agent/v1/leave-messages", "", withCookie), http.StatusUnauthorized, "unauthorized", "disabled")
}

func TestCookieLogoutEndsTheSessionAndClearsTheCookies(t *testing.T) {
	e := newSessionEnv(t)
	sessions := newAgentSessions(e.d, newBinder())
	r := gin.New()
	check := agentSession(e.d.Tokens, &agents.Store{DB: e.db})
	r.POST("/api/agent/v1/logout", check, sessions.logout, func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/api/agent/v1/me", check, func(c *gin.Context) { c.Status(http.StatusOK) })

	w := cookieLogin(e.router, "agent1", "agent1-pass", false)
	require.Equal(t, http.StatusOK, w.Code)
	session, csrf := cookieNamed(t, w, agentCookieName), cookieNamed(t, w, csrfCookieName)
	h := map[string]string{"Cookie": agentCookieName + "=" + session.Value}
	requireAgentError(t, serve(r, http.MethodPost, "/api/agent/v1/logout", "", h), http.StatusForbidden, "forbidden", csrfHeader)
	require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/api/agent/v1/me", "", h).Code, "a refused logout changed nothing")

	w = serve(r, http.MethodPost, "/api/agent/v1/logout", "", map[string]string{"Cookie": h["Cookie"], csrfHeader: csrf.Value})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Negative(t, cookieNamed(t, w, agentCookieName).MaxAge, "the cookie is removed")
	require.Negative(t, cookieNamed(t, w, csrfCookieName).MaxAge)
	requireAgentError(t, serve(r, http.MethodGet, "/api/agent/v1/me", "", h), http.StatusUnauthorized, "unauthorized", "session has ended")
}
