package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// The agent pages (the console and the supervisor's view) hold their session
// in a cookie that script cannot read: HttpOnly, SameSite=Strict, Secure when
// the page came over TLS, and sent only to the agent API's path. A login
// that asks {"cookie": true} gets it instead of a token in the body; curl
// users keep the bearer token of a plain login, and either way the session
// check (agentauth.go) reads the agent's row on every request, so a logout,
// a password change, a disable or a delete ends the session at once.
//
// State-changing calls that ride on the cookie must carry X-CSRF-Token, a
// value derived from the session token that the page reads from a second,
// script-readable cookie. Another site can neither read that cookie nor
// compute the value, and SameSite=Strict already keeps the session cookie
// off its requests; the header is the second wall. Bearer calls need no
// such header: a browser never adds Authorization on its own.
const (
	agentCookieName = "ccflow_agent"
	csrfCookieName  = "ccflow_agent_csrf"
	csrfHeader      = "X-CSRF-Token"
	// agentCookiePath is where the browser sends the session cookie: the agent API only.
	agentCookiePath = "/api/agent/v1"
)

// csrfFor is the CSRF value of a session token: a one-way hash, so the
// readable cookie tells nothing of the token.
func csrfFor(token string) string {
	sum := sha256.Sum256([]byte("ccflow-agent-csrf\x00" + token))
	return hex.EncodeToString(sum[:])
}

// secureCookies says whether cookies must be Secure: the request came over
// TLS, or the operator's public address is https (TLS ends at a proxy).
func secureCookies(c *gin.Context, publicURL string) bool {
	return c.Request.TLS != nil || strings.HasPrefix(strings.ToLower(publicURL), "https://")
}

// setAgentCookies gives the page its session cookie and the CSRF cookie.
func setAgentCookies(c *gin.Context, token string, expires time.Time, secure bool) {
	maxAge := int(time.Until(expires) / time.Second)
	http.SetCookie(c.Writer, &http.Cookie{Name: agentCookieName, Value: token, Path: agentCookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	// Readable by the pages under /agent, hence Path=/.
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookieName, Value: csrfFor(token), Path: "/", MaxAge: maxAge,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// clearAgentCookies removes both cookies (logout).
func clearAgentCookies(c *gin.Context, secure bool) {
	http.SetCookie(c.Writer, &http.Cookie{Name: agentCookieName, Path: agentCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookieName, Path: "/", MaxAge: -1,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// sessionToken finds a request's agent session: the bearer header first,
// else the pages' cookie, whose unsafe calls must carry the CSRF header.
func sessionToken(c *gin.Context) (string, error) {
	if raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); ok && raw != "" {
		return raw, nil
	}
	raw, err := c.Cookie(agentCookieName)
	if err != nil || raw == "" {
		return "", errUnauthorized("an agent session is required: Authorization: Bearer <token from login>")
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return raw, nil
	}
	got := c.GetHeader(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(csrfFor(raw))) != 1 {
		return "", errForbidden("a page's call must carry the " + csrfHeader + " header from the " + csrfCookieName + " cookie")
	}
	return raw, nil
}
