package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/internal/webentry"
	"github.com/ccflow/ccflow/models"
)

// demoGrant is what the visitor entry grants visitor v-1 of the demo business.
func demoGrant() webentry.Grant {
	return webentry.Grant{
		Source: webentry.SourceVisitor, TenantID: models.DemoTenantID, AppKey: models.DemoAppKey,
		ChannelConfigID: models.DemoChannelConfigID, UserID: "v-1", UserName: "Ann", SkillGroupID: 12, Locale: "zh",
	}
}

// mint stores a key for g directly, as an entry would.
func (e *webEnv) mint(g webentry.Grant) string {
	e.t.Helper()
	key, _, err := e.keys.Create(context.Background(), g)
	require.NoError(e.t, err)
	return key
}

func TestWebSessionExchange(t *testing.T) {
	e := newWebEnv(t)
	w := e.exchange(e.mint(demoGrant()))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	var s webSessionResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &s))
	require.Equal(t, "0", s.ResultCode)
	require.Equal(t, 3600, s.ExpiresIn)

	claims, err := e.issuer.VerifyVisitor(s.Token)
	require.NoError(t, err)
	require.Equal(t, token.VisitorClaims{
		TenantID: models.DemoTenantID, AppKey: models.DemoAppKey, ChannelConfigID: models.DemoChannelConfigID,
		UserID: "v-1", UserName: "Ann", Locale: "zh", Web: true, SkillGroupID: 12, WebKeyID: claims.WebKeyID,
		IssuedAt: e.clock.now(), ExpiresAt: e.clock.now().Add(time.Hour),
	}, claims)
	require.NotZero(t, claims.WebKeyID)
}

func TestWebKeyIsSingleUse(t *testing.T) {
	e := newWebEnv(t)
	key := e.mint(demoGrant())
	e.session(key)
	requireFailure(t, e.exchange(key), http.StatusUnauthorized, "web key already used")
}

func TestWebKeyExpires(t *testing.T) {
	e := newWebEnv(t)
	key := e.mint(demoGrant())
	e.clock.advance(webentry.KeyTTL)
	requireFailure(t, e.exchange(key), http.StatusUnauthorized, "web key expired")

	key = e.mint(demoGrant())
	e.clock.advance(webentry.KeyTTL - time.Second)
	e.session(key)
}

func TestWebKeyBadRequests(t *testing.T) {
	e := newWebEnv(t)
	requireFailure(t, e.exchange(strings.Repeat("a", 64)), http.StatusUnauthorized, "unknown web key")
	requireFailure(t, e.exchange("not-a-key"), http.StatusUnauthorized, "unknown web key")
	requireFailure(t, e.exchange(""), http.StatusBadRequest, "key is required")
	requireFailure(t, e.exchange(strings.Repeat("a", 129)), http.StatusBadRequest, "key must be at most 128 characters")
	requireFailure(t, e.do(webCall{method: http.MethodPost, path: webSessionPath, body: `{"key":`}), http.StatusBadRequest, "not valid JSON")
	requireFailure(t, e.do(webCall{method: http.MethodPost, path: webSessionPath, body: `{"key":"` + strings.Repeat("a", webSessionBodyLimit) + `"}`}),
		http.StatusRequestEntityTooLarge, "larger than")
}

func TestWebKeyWrongTenant(t *testing.T) {
	e := newWebEnv(t)
	g := demoGrant()
	g.ChannelConfigID = otherChannel
	requireFailure(t, e.exchange(e.mint(g)), http.StatusForbidden, "does not match its tenant")
	g = demoGrant()
	g.SkillGroupID = otherGroup
	requireFailure(t, e.exchange(e.mint(g)), http.StatusForbidden, "does not match its tenant")
	g = demoGrant()
	g.AppKey = otherAppKey
	requireFailure(t, e.exchange(e.mint(g)), http.StatusForbidden, "does not match its tenant")
}

// sendBodyFor is a send of claims' user to channel.
func sendBodyFor(t *testing.T, from, to string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{
		"channel": "WEB", "controlType": "CHAT", "content": "hi", "from": from, "to": to,
		"mediaType": "TEXT", "sourceType": "CUSTOMER",
	})
	require.NoError(t, err)
	return string(b)
}

func TestWebTokenAloneAuthenticatesCustomerCalls(t *testing.T) {
	e := newWebEnv(t)
	s, _ := e.session(e.mint(demoGrant()))
	web := map[string]string{VisitorTokenHeader: s.Token}

	// Refusals that come after authentication show the token alone got through.
	w := e.do(webCall{method: http.MethodPost, path: "/apiaccess/ccmessaging/send", body: `{}`, headers: web})
	requireFailure(t, w, http.StatusBadRequest, "channel is required")
	w = e.do(webCall{method: http.MethodPost, path: "/apiaccess/ccmessaging/send", body: sendBodyFor(t, "v-2", models.DemoChannelConfigID), headers: web})
	requireFailure(t, w, http.StatusForbidden, "the token belongs to another user")
	w = e.do(webCall{method: http.MethodGet, path: "/apiaccess/ccmessaging/poll?receiverId=v-2", headers: web})
	requireFailure(t, w, http.StatusForbidden, "the token belongs to another user")
	w = e.do(webCall{method: http.MethodPost, path: "/apiaccess/ccmessaging/saveSatisfaction", headers: web,
		body: `{"channel":"WEB","userId":"v-1","evaluation":"9","channelConfigId":"` + models.DemoChannelConfigID + `"}`})
	requireFailure(t, w, http.StatusBadRequest, "evaluation must be one of")

	// Tenant A's web token on tenant B's channel.
	w = e.do(webCall{method: http.MethodPost, path: "/apiaccess/ccmessaging/send", body: sendBodyFor(t, "v-1", otherChannel), headers: web})
	requireFailure(t, w, http.StatusForbidden, "the token belongs to another channel config")
	// … or with tenant B's app credentials.
	access, _, _, err := e.issuer.IssueAccess(otherAppKey, otherTenant, time.Minute)
	require.NoError(t, err)
	w = e.do(webCall{method: http.MethodPost, path: "/apiaccess/ccmessaging/send", body: sendBodyFor(t, "v-1", models.DemoChannelConfigID),
		headers: map[string]string{VisitorTokenHeader: s.Token, appKeyHeader: otherAppKey, authorizationHeader: "Bearer " + access}})
	requireFailure(t, w, http.StatusUnauthorized, "was issued to another app key")
}

func TestNormalTokenStillNeedsAppHeaders(t *testing.T) {
	e := newWebEnv(t)
	tok, err := e.issuer.IssueVisitor(demoVisitor("v-1"), token.VisitorTTL)
	require.NoError(t, err)
	w := e.do(webCall{method: http.MethodPost, path: "/apiaccess/ccmessaging/send", body: `{}`, headers: map[string]string{VisitorTokenHeader: tok}})
	requireFailure(t, w, http.StatusUnauthorized, "x-app-key header is required")
}

func TestWebTokenCannotApplyTokens(t *testing.T) {
	e := newWebEnv(t)
	s, _ := e.session(e.mint(demoGrant()))
	body := `{"userId":"v-2","userName":"Bob","channelId":"` + models.DemoChannelConfigID + `","locale":"zh"}`
	for name, headers := range map[string]map[string]string{
		"as ccmessaging-token": {VisitorTokenHeader: s.Token},
		"as AccessToken":       {appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer " + s.Token},
	} {
		t.Run(name, func(t *testing.T) {
			w := e.do(webCall{method: http.MethodPost, path: applyTokenPath, body: body, headers: headers})
			require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
		})
	}
}

func TestWebTokenThroughTheAuthenticator(t *testing.T) {
	e := newAuthEnv(t)
	claims := demoVisitor("v-1")
	claims.Web, claims.SkillGroupID, claims.WebKeyID = true, 12, 7
	tok, err := e.issuer.IssueVisitor(claims, token.VisitorTTL)
	require.NoError(t, err)
	query := "?userId=v-1&channelConfigId=" + models.DemoChannelConfigID

	w := serve(e.router, http.MethodPost, fullAuthPath+query, "", map[string]string{VisitorTokenHeader: tok})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var got token.VisitorClaims
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	require.True(t, got.Web)
	require.EqualValues(t, 12, got.SkillGroupID)

	// Headers a web session sends anyway are still checked.
	w = serve(e.router, http.MethodPost, fullAuthPath+query, "", map[string]string{VisitorTokenHeader: tok, appKeyHeader: "no-such-key"})
	requireFailure(t, w, http.StatusUnauthorized, "unknown or disabled x-app-key")

	// A disabled app key cuts off its web sessions too.
	require.NoError(t, e.db.Model(&models.AppKey{}).Where("`key` = ?", models.DemoAppKey).Update("disabled", true).Error)
	w = serve(e.router, http.MethodPost, fullAuthPath+query, "", map[string]string{VisitorTokenHeader: tok})
	requireFailure(t, w, http.StatusUnauthorized, "unknown or disabled")
	require.NoError(t, e.db.Model(&models.AppKey{}).Where("`key` = ?", models.DemoAppKey).Update("disabled", false).Error)

	// Renewal keeps the session a web session.
	e.live = func(token.VisitorClaims) (bool, error) { return true, nil }
	e.clock.advance(token.VisitorTTL + time.Minute)
	w = serve(e.router, http.MethodPost, fullAuthPath+query, "", map[string]string{VisitorTokenHeader: tok})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	renewed, err := e.issuer.VerifyVisitor(w.Header().Get(VisitorTokenHeader))
	require.NoError(t, err)
	require.True(t, renewed.Web)
	require.EqualValues(t, 7, renewed.WebKeyID)
}

func TestChatPageIsServed(t *testing.T) {
	e := newWebEnv(t)
	for path, want := range map[string]struct{ typ, body string }{
		chatPagePath:               {"text/html", `src="/chat/chat.js"`},
		chatPagePath + "/chat.js":  {"javascript", "/api/web/v1/session"},
		chatPagePath + "/chat.css": {"text/css", "#messages"},
	} {
		w := e.do(webCall{method: http.MethodGet, path: path + "?key=" + strings.Repeat("a", 64)})
		require.Equal(t, http.StatusOK, w.Code, path)
		require.Contains(t, w.Header().Get("Content-Type"), want.typ, path)
		require.Contains(t, w.Body.String(), want.body, path)
		require.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'self'", path)
		require.Equal(t, "no-referrer", w.Header().Get("Referrer-Policy"), path)
	}
	w := e.do(webCall{method: http.MethodGet, path: chatPagePath})
	require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	require.NotContains(t, w.Body.String(), "innerHTML")
	js := e.do(webCall{method: http.MethodGet, path: chatPagePath + "/chat.js"}).Body.String()
	require.NotContains(t, js, "innerHTML", "server text is set with textContent only")
}
