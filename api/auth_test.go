package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// Test-only routes behind the visitor middleware.
const (
	fullAuthPath  = "/test/full"      // all three headers required, like send and poll
	tokenOnlyPath = "/test/tokenonly" // ccmessaging-token only, like queryPhraseByKeyword
	noAuthPath    = "/test/unprotected"
)

// Identifiers of the second tenant the tests create.
const (
	otherTenant  = "other"
	otherAppKey  = "other-app-key"
	otherSecret  = "other-app-secret"
	otherChannel = "2000000000000000001"
	// secondDemoKey is another app key of the demo tenant.
	secondDemoKey = "demo-app-key-2"
	disabledKey   = "demo-disabled-key"
)

// authEnv is a gin engine with the token endpoints and the visitor middleware
// in front of an echo handler, on a real SQLite database with the demo data.
type authEnv struct {
	db     *gorm.DB
	deps   Deps
	clock  *testClock
	issuer *token.Issuer
	router *gin.Engine
	// live answers the authenticator's Live hook; liveCalls records its arguments.
	live      func(token.VisitorClaims) (bool, error)
	liveCalls []token.VisitorClaims
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	db := demoDB(t)
	require.NoError(t, db.Create(&models.Tenant{
		ID: otherTenant, Name: "Other Shop", BusinessID: 2, AppID: "2002", VendorID: "other", SiteID: "web",
	}).Error)
	require.NoError(t, db.Create(&[]models.AppKey{
		{Key: otherAppKey, TenantID: otherTenant, Secret: otherSecret, Name: "other"},
		{Key: secondDemoKey, TenantID: models.DemoTenantID, Secret: "second-secret", Name: "second"},
		{Key: disabledKey, TenantID: models.DemoTenantID, Secret: "disabled-secret", Name: "off", Disabled: true},
	}).Error)
	require.NoError(t, db.Create(&models.ChannelConfig{
		ID: otherChannel, TenantID: otherTenant, Name: "Other WEB", WorkingHours: "always", TimeZone: "UTC", Locale: "en",
	}).Error)

	e := &authEnv{db: db, deps: testDeps(db), clock: newTestClock()}
	e.issuer = newTestIssuer(t, db, e.clock)
	e.live = func(token.VisitorClaims) (bool, error) { return false, nil }

	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(requestID(), recovery(e.deps.Logger), limitBody(maxBodyBytes))
	th := newTokenHandlers(e.deps, e.issuer, newBinder())
	r.POST(tokenByAkSkPath, th.tokenByAkSk)
	r.POST(applyTokenPath, th.applyToken)
	auth := newAuthenticator(e.deps, e.issuer, func(_ context.Context, c token.VisitorClaims) (bool, error) {
		e.liveCalls = append(e.liveCalls, c)
		return e.live(c)
	})
	r.POST(fullAuthPath, auth.visitor(visitorOpts{appAuth: true}), echoVisitor)
	r.POST(tokenOnlyPath, auth.visitor(visitorOpts{}), echoVisitor)
	r.POST(noAuthPath, func(c *gin.Context) { c.JSON(http.StatusOK, visitorFrom(c)) })
	e.router = r
	return e
}

// echoVisitor stands in for a customer handler: it checks the user and
// channel named in the query against the token, then echoes the claims.
func echoVisitor(c *gin.Context) {
	claims := visitorFrom(c)
	if err := requireSameUser(claims, c.Query("userId")); err != nil {
		fail(c, err)
		return
	}
	if err := requireSameChannel(claims, c.Query("channelConfigId")); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, claims)
}

// ---- tokenByAkSk ----

func akskBody(key, secret string) string {
	b, err := json.Marshal(map[string]string{"app_key": key, "app_secret": secret})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestTokenByAkSkSuccess(t *testing.T) {
	e := newAuthEnv(t)
	w := serve(e.router, http.MethodPost, tokenByAkSkPath, akskBody(models.DemoAppKey, models.DemoAppSecret), nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "no-store", w.Header().Get("Cache-Control"))

	var raw map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &raw))
	keys := make([]string, 0, len(raw))
	for k, v := range raw {
		keys = append(keys, k)
		require.IsType(t, "", v, "%s is a string", k)
	}
	require.ElementsMatch(t, []string{"AccessToken", "ApplyType", "CreateTime", "Expires", "Scope", "AppKey", "UserID"}, keys)

	var resp tokenByAkSkResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
	require.Equal(t, "Bearer", resp.ApplyType)
	require.Equal(t, strconv.FormatInt(e.clock.now().Unix(), 10), resp.CreateTime)
	require.Equal(t, "600", resp.Expires)
	require.Equal(t, models.DemoTenantID, resp.Scope)
	require.Equal(t, models.DemoAppKey, resp.AppKey)
	require.Equal(t, "Anonymous", resp.UserID)

	claims, err := e.issuer.VerifyAccess(resp.AccessToken)
	require.NoError(t, err)
	require.Equal(t, models.DemoAppKey, claims.AppKey)
	require.Equal(t, models.DemoTenantID, claims.TenantID)
	require.Equal(t, e.clock.now().Add(600*time.Second), claims.ExpiresAt)
}

func TestTokenByAkSkHonoursTokenExpire(t *testing.T) {
	e := newAuthEnv(t)
	for _, secs := range []int{60, 3600, 86400} {
		t.Run(strconv.Itoa(secs), func(t *testing.T) {
			w := serve(e.router, http.MethodPost, tokenByAkSkPath, akskBody(models.DemoAppKey, models.DemoAppSecret),
				map[string]string{tokenExpireHeader: strconv.Itoa(secs)})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			var resp tokenByAkSkResponse
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
			require.Equal(t, strconv.Itoa(secs), resp.Expires)
			claims, err := e.issuer.VerifyAccess(resp.AccessToken)
			require.NoError(t, err)
			require.Equal(t, e.clock.now().Add(time.Duration(secs)*time.Second), claims.ExpiresAt)
		})
	}
}

func TestTokenByAkSkBadTokenExpire(t *testing.T) {
	e := newAuthEnv(t)
	for _, v := range []string{"abc", "0", "59", "90000", "86401", "-600", "1.5", "600s"} {
		t.Run(v, func(t *testing.T) {
			w := serve(e.router, http.MethodPost, tokenByAkSkPath, akskBody(models.DemoAppKey, models.DemoAppSecret),
				map[string]string{tokenExpireHeader: v})
			requireFailure(t, w, http.StatusBadRequest, "X-Token-Expire must be a whole number of seconds from 60 to 86400")
		})
	}
}

func TestTokenByAkSkRejectsBadCredentialsAlike(t *testing.T) {
	e := newAuthEnv(t)
	for name, body := range map[string]string{
		"wrong secret":        akskBody(models.DemoAppKey, "not-the-secret"),
		"secret of other key": akskBody(models.DemoAppKey, otherSecret),
		"secret prefix":       akskBody(models.DemoAppKey, models.DemoAppSecret[:5]),
		"unknown key":         akskBody("no-such-key", models.DemoAppSecret),
		"disabled key":        akskBody(disabledKey, "disabled-secret"),
	} {
		t.Run(name, func(t *testing.T) {
			w := serve(e.router, http.MethodPost, tokenByAkSkPath, body, nil)
			require.Equal(t, http.StatusUnauthorized, w.Code)
			code, desc := envelope(t, w)
			require.Equal(t, "401", code)
			require.Equal(t, badCredentials, desc, "one text whatever failed")
		})
	}
}

func TestTokenByAkSkBadBody(t *testing.T) {
	e := newAuthEnv(t)
	for name, tc := range map[string]struct{ body, desc string }{
		"malformed JSON": {`{"app_key": "demo-app-key",`, "request body is not valid JSON"},
		"not JSON":       {`app_key=demo-app-key`, "request body is not valid JSON"},
		"empty":          {``, "request body is empty"},
		"missing fields": {`{}`, "app_key is required; app_secret is required"},
		"missing secret": {`{"app_key":"demo-app-key"}`, "app_secret is required"},
		"wrong type":     {`{"app_key":1,"app_secret":"x"}`, "app_key must be a string"},
	} {
		t.Run(name, func(t *testing.T) {
			w := serve(e.router, http.MethodPost, tokenByAkSkPath, tc.body, nil)
			requireFailure(t, w, http.StatusBadRequest, tc.desc)
		})
	}
}

// ---- applyToken ----

func (e *authEnv) accessToken(t *testing.T, appKey, tenant string) string {
	t.Helper()
	tok, _, _, err := e.issuer.IssueAccess(appKey, tenant, 10*time.Minute)
	require.NoError(t, err)
	return tok
}

func (e *authEnv) appHeaders(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		appKeyHeader:        models.DemoAppKey,
		authorizationHeader: "Bearer " + e.accessToken(t, models.DemoAppKey, models.DemoTenantID),
	}
}

func applyBody(userID, channel, locale string) string {
	b, err := json.Marshal(map[string]string{"userId": userID, "userName": "Ann", "channelId": channel, "locale": locale})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestApplyTokenSuccess(t *testing.T) {
	e := newAuthEnv(t)
	// The AccessToken comes from tokenByAkSk itself, as a client would get it.
	w := serve(e.router, http.MethodPost, tokenByAkSkPath, akskBody(models.DemoAppKey, models.DemoAppSecret), nil)
	require.Equal(t, http.StatusOK, w.Code)
	var at tokenByAkSkResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &at))

	w = serve(e.router, http.MethodPost, applyTokenPath, applyBody("visitor-1", models.DemoChannelConfigID, "zh"),
		map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer " + at.AccessToken})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var resp applyTokenResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
	require.Equal(t, "0", resp.ResultCode)
	require.Equal(t, "apply token success", resp.ResultDesc)

	claims, err := e.issuer.VerifyVisitor(resp.Token)
	require.NoError(t, err)
	want := demoVisitor("visitor-1")
	want.IssuedAt, want.ExpiresAt = e.clock.now(), e.clock.now().Add(time.Hour)
	require.Equal(t, want, claims)
}

func TestApplyTokenAuthentication(t *testing.T) {
	e := newAuthEnv(t)
	body := applyBody("visitor-1", models.DemoChannelConfigID, "zh")
	good := e.accessToken(t, models.DemoAppKey, models.DemoTenantID)
	visitorTok, err := e.issuer.IssueVisitor(demoVisitor("visitor-1"), token.VisitorTTL)
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		headers map[string]string
		desc    string
	}{
		"no headers":        {nil, "x-app-key header is required"},
		"no Authorization":  {map[string]string{appKeyHeader: models.DemoAppKey}, "Authorization header is required"},
		"no x-app-key":      {map[string]string{authorizationHeader: "Bearer " + good}, "x-app-key header is required"},
		"Basic scheme":      {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Basic " + good}, `Authorization must be "Bearer <AccessToken>"`},
		"Bearer alone":      {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer"}, `Authorization must be "Bearer <AccessToken>"`},
		"token alone":       {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: good}, `Authorization must be "Bearer <AccessToken>"`},
		"garbled token":     {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer abc.def.ghi"}, "invalid AccessToken"},
		"visitor token":     {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer " + visitorTok}, "invalid AccessToken"},
		"other key's token": {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer " + e.accessToken(t, otherAppKey, otherTenant)}, "AccessToken was issued to another app key"},
		"sibling key token": {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer " + e.accessToken(t, secondDemoKey, models.DemoTenantID)}, "AccessToken was issued to another app key"},
		"unknown x-app-key": {map[string]string{appKeyHeader: "nope", authorizationHeader: "Bearer " + e.accessToken(t, "nope", models.DemoTenantID)}, "unknown or disabled x-app-key"},
		"disabled key":      {map[string]string{appKeyHeader: disabledKey, authorizationHeader: "Bearer " + e.accessToken(t, disabledKey, models.DemoTenantID)}, "unknown or disabled x-app-key"},
		"tenant mismatch":   {map[string]string{appKeyHeader: models.DemoAppKey, authorizationHeader: "Bearer " + e.accessToken(t, models.DemoAppKey, otherTenant)}, "AccessToken was issued to another tenant"},
	} {
		t.Run(name, func(t *testing.T) {
			w := serve(e.router, http.MethodPost, applyTokenPath, body, tc.headers)
			requireFailure(t, w, http.StatusUnauthorized, tc.desc)
			require.NotContains(t, w.Body.String(), good, "never echo a token")
		})
	}
}

func TestApplyTokenExpiredAccessToken(t *testing.T) {
	e := newAuthEnv(t)
	headers := e.appHeaders(t)
	body := applyBody("visitor-1", models.DemoChannelConfigID, "zh")
	e.clock.advance(10*time.Minute - time.Second)
	require.Equal(t, http.StatusOK, serve(e.router, http.MethodPost, applyTokenPath, body, headers).Code)
	e.clock.advance(time.Second)
	w := serve(e.router, http.MethodPost, applyTokenPath, body, headers)
	requireFailure(t, w, http.StatusUnauthorized, "AccessToken expired")
}

func TestApplyTokenBadBody(t *testing.T) {
	e := newAuthEnv(t)
	for name, tc := range map[string]struct {
		body   string
		status int
		desc   string
	}{
		"unknown channel":  {applyBody("v", "42", "zh"), http.StatusBadRequest, `unknown channel config "42"`},
		"other's channel":  {applyBody("v", otherChannel, "zh"), http.StatusForbidden, "belongs to another tenant"},
		"locale with land": {applyBody("v", models.DemoChannelConfigID, "zh-CN"), http.StatusBadRequest, "locale must be an ISO 639 language code"},
		"upper locale":     {applyBody("v", models.DemoChannelConfigID, "ZH"), http.StatusBadRequest, "locale must be an ISO 639"},
		"long locale":      {applyBody("v", models.DemoChannelConfigID, "english"), http.StatusBadRequest, "locale must be an ISO 639"},
		"missing locale":   {applyBody("v", models.DemoChannelConfigID, ""), http.StatusBadRequest, "locale is required"},
		"missing all":      {`{}`, http.StatusBadRequest, "userId is required; userName is required; channelId is required; locale is required"},
		"long userId":      {applyBody(strings.Repeat("u", 129), models.DemoChannelConfigID, "zh"), http.StatusBadRequest, "userId must be at most 128 characters"},
		"malformed JSON":   {`{"userId":`, http.StatusBadRequest, "request body is not valid JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			w := serve(e.router, http.MethodPost, applyTokenPath, tc.body, e.appHeaders(t))
			requireFailure(t, w, tc.status, tc.desc)
		})
	}
	// A three-letter ISO 639-2 code is a language without a country too.
	w := serve(e.router, http.MethodPost, applyTokenPath, applyBody("v", models.DemoChannelConfigID, "fil"), e.appHeaders(t))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

// ---- visitor middleware ----

// echoPath is the test route with the user and channel the echo handler checks.
func echoPath(route, userID string) string {
	return route + "?userId=" + userID + "&channelConfigId=" + models.DemoChannelConfigID
}

func without(h map[string]string, name string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if k != name {
			out[k] = v
		}
	}
	return out
}

func TestVisitorSuccessStoresClaims(t *testing.T) {
	e := newAuthEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Empty(t, w.Header().Get(VisitorTokenHeader), "a fresh token is not renewed")
	var got token.VisitorClaims
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	require.Equal(t, "visitor-1", got.UserID)
	require.Equal(t, models.DemoChannelConfigID, got.ChannelConfigID)
	require.Equal(t, models.DemoTenantID, got.TenantID)
	require.Empty(t, e.liveCalls)
}

func TestVisitorMissingHeaders(t *testing.T) {
	e := newAuthEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	for _, name := range []string{VisitorTokenHeader, appKeyHeader, authorizationHeader} {
		t.Run(name, func(t *testing.T) {
			w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", without(h, name))
			requireFailure(t, w, http.StatusUnauthorized, name+" header is required")
		})
	}
	t.Run("token-only route still needs the token", func(t *testing.T) {
		w := serve(e.router, http.MethodPost, echoPath(tokenOnlyPath, "visitor-1"), "", without(h, VisitorTokenHeader))
		requireFailure(t, w, http.StatusUnauthorized, "ccmessaging-token header is required")
	})
}

func TestVisitorTokenOnlyRoute(t *testing.T) {
	e := newAuthEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	only := map[string]string{VisitorTokenHeader: h[VisitorTokenHeader]}
	w := serve(e.router, http.MethodPost, echoPath(tokenOnlyPath, "visitor-1"), "", only)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	// Optional headers, when sent, are checked all the same.
	w = serve(e.router, http.MethodPost, echoPath(tokenOnlyPath, "visitor-1"), "",
		map[string]string{VisitorTokenHeader: h[VisitorTokenHeader], authorizationHeader: "Bearer junk"})
	requireFailure(t, w, http.StatusUnauthorized, "invalid AccessToken")
	w = serve(e.router, http.MethodPost, echoPath(tokenOnlyPath, "visitor-1"), "",
		map[string]string{VisitorTokenHeader: h[VisitorTokenHeader], appKeyHeader: secondDemoKey})
	requireFailure(t, w, http.StatusUnauthorized, "ccmessaging-token was issued to another app key")
	w = serve(e.router, http.MethodPost, echoPath(tokenOnlyPath, "visitor-1"), "",
		map[string]string{VisitorTokenHeader: h[VisitorTokenHeader], appKeyHeader: models.DemoAppKey})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	// Disabling the app key cuts its visitors off even without x-app-key.
	require.NoError(t, e.db.Model(&models.AppKey{}).Where("`key` = ?", models.DemoAppKey).Update("disabled", true).Error)
	w = serve(e.router, http.MethodPost, echoPath(tokenOnlyPath, "visitor-1"), "", only)
	requireFailure(t, w, http.StatusUnauthorized, "unknown or disabled")
}

func TestVisitorRejectsBadTokens(t *testing.T) {
	e := newAuthEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))

	foreignIssuer := newTestIssuer(t, modelstest.SQLiteDB(t), e.clock)
	forged, err := foreignIssuer.IssueVisitor(demoVisitor("visitor-1"), token.VisitorTTL)
	require.NoError(t, err)

	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"typ": token.TypeVisitor, "ak": models.DemoAppKey, "tid": models.DemoTenantID,
		"cid": models.DemoChannelConfigID, "uid": "visitor-1", "iss": "ccflow",
		"iat": e.clock.now().Unix(), "exp": e.clock.now().Add(time.Hour).Unix(),
	})
	none.Header["kid"] = "current"
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	access := strings.TrimPrefix(h[authorizationHeader], "Bearer ")
	for name, tok := range map[string]string{
		"forged": forged, "alg none": noneTok, "garbage": "garbage", "AccessToken as visitor token": access,
	} {
		t.Run(name, func(t *testing.T) {
			hh := without(h, VisitorTokenHeader)
			hh[VisitorTokenHeader] = tok
			w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", hh)
			requireFailure(t, w, http.StatusUnauthorized, "invalid ccmessaging-token")
			require.NotContains(t, w.Body.String(), tok)
		})
	}
}

func TestVisitorAppKeyMismatch(t *testing.T) {
	e := newAuthEnv(t)
	vis := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))[VisitorTokenHeader]
	for name, tc := range map[string]struct {
		key, tenant, desc string
	}{
		"other tenant's key": {otherAppKey, otherTenant, "ccmessaging-token was issued to another app key"},
		"sibling key":        {secondDemoKey, models.DemoTenantID, "ccmessaging-token was issued to another app key"},
	} {
		t.Run(name, func(t *testing.T) {
			w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", map[string]string{
				VisitorTokenHeader: vis, appKeyHeader: tc.key, authorizationHeader: "Bearer " + e.accessToken(t, tc.key, tc.tenant),
			})
			requireFailure(t, w, http.StatusUnauthorized, tc.desc)
		})
	}
	t.Run("x-app-key differs from AccessToken", func(t *testing.T) {
		w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", map[string]string{
			VisitorTokenHeader: vis, appKeyHeader: models.DemoAppKey,
			authorizationHeader: "Bearer " + e.accessToken(t, otherAppKey, otherTenant),
		})
		requireFailure(t, w, http.StatusUnauthorized, "AccessToken was issued to another app key")
	})
	t.Run("visitor token of another tenant", func(t *testing.T) {
		c := demoVisitor("visitor-1")
		c.TenantID = otherTenant
		h := visitorHeaders(t, e.issuer, c)
		h[authorizationHeader] = "Bearer " + e.accessToken(t, models.DemoAppKey, models.DemoTenantID)
		w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
		requireFailure(t, w, http.StatusUnauthorized, "ccmessaging-token was issued to another tenant")
	})
}

func TestVisitorExpiredTokenRenewal(t *testing.T) {
	setup := func(t *testing.T) (*authEnv, map[string]string) {
		e := newAuthEnv(t)
		h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
		e.clock.advance(token.VisitorTTL + time.Minute)
		// The AccessToken has expired by now as well; a client gets a new one.
		h[authorizationHeader] = "Bearer " + e.accessToken(t, models.DemoAppKey, models.DemoTenantID)
		return e, h
	}

	t.Run("conversation over", func(t *testing.T) {
		e, h := setup(t)
		w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
		requireFailure(t, w, http.StatusUnauthorized, "token expired, apply a new one")
		require.Empty(t, w.Header().Get(VisitorTokenHeader))
		require.Len(t, e.liveCalls, 1)
		require.Equal(t, "visitor-1", e.liveCalls[0].UserID)
		require.Equal(t, models.DemoChannelConfigID, e.liveCalls[0].ChannelConfigID)
	})

	t.Run("conversation live", func(t *testing.T) {
		e, h := setup(t)
		e.live = func(token.VisitorClaims) (bool, error) { return true, nil }
		w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		renewed := w.Header().Get(VisitorTokenHeader)
		require.NotEmpty(t, renewed)
		claims, err := e.issuer.VerifyVisitor(renewed)
		require.NoError(t, err)
		want := demoVisitor("visitor-1")
		want.IssuedAt, want.ExpiresAt = e.clock.now(), e.clock.now().Add(time.Hour)
		require.Equal(t, want, claims)

		// The renewed token works on its own, without consulting Live again.
		h[VisitorTokenHeader] = renewed
		w = serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Empty(t, w.Header().Get(VisitorTokenHeader))
		require.Len(t, e.liveCalls, 1)
	})

	t.Run("expired over a day ago", func(t *testing.T) {
		e, h := setup(t)
		e.live = func(token.VisitorClaims) (bool, error) { return true, nil }
		e.clock.advance(24 * time.Hour)
		h[authorizationHeader] = "Bearer " + e.accessToken(t, models.DemoAppKey, models.DemoTenantID)
		w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
		requireFailure(t, w, http.StatusUnauthorized, "token expired, apply a new one")
		require.Empty(t, e.liveCalls, "too old to ask")
	})

	t.Run("live check fails", func(t *testing.T) {
		e, h := setup(t)
		e.live = func(token.VisitorClaims) (bool, error) { return false, errors.New("temporal down") }
		w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
		requireFailure(t, w, http.StatusInternalServerError, "internal error")
		require.NotContains(t, w.Body.String(), "temporal down")
	})

	t.Run("no live hook", func(t *testing.T) {
		e, h := setup(t)
		auth := newAuthenticator(e.deps, e.issuer, nil)
		r := gin.New()
		r.POST(fullAuthPath, auth.visitor(visitorOpts{appAuth: true}), echoVisitor)
		w := serve(r, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
		requireFailure(t, w, http.StatusUnauthorized, "token expired, apply a new one")
	})
}

func TestVisitorProactiveRenewal(t *testing.T) {
	e := newAuthEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	e.clock.advance(token.VisitorTTL - renewAhead - time.Second)
	h[authorizationHeader] = "Bearer " + e.accessToken(t, models.DemoAppKey, models.DemoTenantID)
	w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Header().Get(VisitorTokenHeader), "more than 10 minutes left")

	e.clock.advance(2 * time.Second)
	w = serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-1"), "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	renewed := w.Header().Get(VisitorTokenHeader)
	require.NotEmpty(t, renewed)
	claims, err := e.issuer.VerifyVisitor(renewed)
	require.NoError(t, err)
	require.Equal(t, e.clock.now().Add(time.Hour), claims.ExpiresAt)
	require.Equal(t, "visitor-1", claims.UserID)
	require.Empty(t, e.liveCalls, "a valid token is renewed without asking Live")
}

func TestVisitorSameUserAndChannel(t *testing.T) {
	e := newAuthEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	w := serve(e.router, http.MethodPost, echoPath(fullAuthPath, "visitor-2"), "", h)
	requireFailure(t, w, http.StatusForbidden, "the token belongs to another user")
	w = serve(e.router, http.MethodPost, fullAuthPath+"?userId=visitor-1&channelConfigId="+otherChannel, "", h)
	requireFailure(t, w, http.StatusForbidden, "the token belongs to another channel config")

	// visitorFrom on a route without the middleware fails closed.
	w = serve(e.router, http.MethodPost, noAuthPath, "", h)
	require.Equal(t, http.StatusInternalServerError, w.Code)
}

func TestRequireSameUser(t *testing.T) {
	c := demoVisitor("visitor-1")
	require.NoError(t, requireSameUser(c, "visitor-1"))
	require.NoError(t, requireSameChannel(c, models.DemoChannelConfigID))
	for name, tc := range map[string]struct {
		claims token.VisitorClaims
		user   string
	}{
		"other user":   {c, "visitor-2"},
		"empty user":   {c, ""},
		"empty claims": {token.VisitorClaims{}, ""},
		"case differs": {c, "Visitor-1"},
	} {
		t.Run(name, func(t *testing.T) {
			err := requireSameUser(tc.claims, tc.user)
			var ae *apiError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, http.StatusForbidden, ae.status)
			require.Equal(t, "the token belongs to another user", ae.desc)
		})
	}
	var ae *apiError
	require.ErrorAs(t, requireSameChannel(c, "other"), &ae)
	require.Equal(t, http.StatusForbidden, ae.status)
	require.ErrorAs(t, requireSameChannel(token.VisitorClaims{}, ""), &ae)
}
