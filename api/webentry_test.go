package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/internal/webentry"
	"github.com/ccflow/ccflow/models"
)

// otherGroup is a skill group of the second tenant the web tests create.
const otherGroup = 21

// webEnv is the full router on the demo data plus a second tenant, with the
// issuer and the web key store on one clock.
type webEnv struct {
	t      *testing.T
	db     *gorm.DB
	clock  *testClock
	issuer *token.Issuer
	keys   *webentry.Store
	router *gin.Engine
	// ips hands each request a fresh client address, so that only the
	// rate-limit tests meet the per-client limits.
	ips int
}

// testPublicURL is the CCFLOW_PUBLIC_URL of the web entry tests.
const testPublicURL = "https://chat.example.com"

func newWebEnv(t *testing.T) *webEnv {
	t.Helper()
	return newWebEnvWith(t, func(*Deps) {})
}

// newWebEnvWith is newWebEnv with more of Deps filled in by more.
func newWebEnvWith(t *testing.T, more func(*Deps)) *webEnv {
	t.Helper()
	db := demoDB(t)
	require.NoError(t, db.Create(&models.Tenant{
		ID: otherTenant, Name: "Other Shop", BusinessID: 2, AppID: "2002", VendorID: "other", SiteID: "web",
	}).Error)
	require.NoError(t, db.Create(&models.AppKey{Key: otherAppKey, TenantID: otherTenant, Secret: otherSecret, Name: "other"}).Error)
	require.NoError(t, db.Create(&models.ChannelConfig{
		ID: otherChannel, TenantID: otherTenant, Name: "Other WEB", WorkingHours: "always", TimeZone: "UTC", Locale: "en",
		DefaultSkillGroup: otherGroup,
	}).Error)
	require.NoError(t, db.Create(&models.SkillGroup{ID: otherGroup, TenantID: otherTenant, Name: "other group"}).Error)
	e := &webEnv{t: t, db: db, clock: newTestClock()}
	e.issuer = newTestIssuer(t, db, e.clock)
	e.keys = &webentry.Store{DB: db, Now: e.clock.now}
	d := testDeps(db)
	d.Tokens, d.WebKeys = e.issuer, e.keys
	d.Settings.PublicURL = testPublicURL
	more(&d)
	e.router = NewRouter(d)
	return e
}

// webCall describes one call; a zero ip means a fresh client address.
type webCall struct {
	method, path, body string
	headers            map[string]string
	cookies            []*http.Cookie
	ip                 string
}

func (e *webEnv) do(r webCall) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	if r.body != "" {
		rd = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, rd)
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	for _, c := range r.cookies {
		req.AddCookie(c)
	}
	ip := r.ip
	if ip == "" {
		e.ips++
		ip = fmt.Sprintf("10.%d.%d.%d", e.ips>>16&255, e.ips>>8&255, e.ips&255)
	}
	req.RemoteAddr = ip + ":40000"
	w := httptest.NewRecorder()
	e.router.ServeHTTP(w, req)
	return w
}

// exchange spends key at the session endpoint and returns the answer.
func (e *webEnv) exchange(key string) *httptest.ResponseRecorder {
	e.t.Helper()
	body, err := json.Marshal(webSessionRequest{Key: key})
	require.NoError(e.t, err)
	return e.do(webCall{method: http.MethodPost, path: webSessionPath, body: string(body)})
}

// session exchanges key, which must succeed, and returns the session and its verified claims.
func (e *webEnv) session(key string) (webSessionResponse, token.VisitorClaims) {
	e.t.Helper()
	w := e.exchange(key)
	require.Equal(e.t, http.StatusOK, w.Code, w.Body.String())
	var s webSessionResponse
	require.NoError(e.t, json.Unmarshal(w.Body.Bytes(), &s))
	claims, err := e.issuer.VerifyVisitor(s.Token)
	require.NoError(e.t, err)
	return s, claims
}

// keyOf returns the web key a chat page URL carries.
func keyOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	require.Equal(t, chatPagePath, u.Path)
	key := u.Query().Get("key")
	require.Regexp(t, `^[0-9a-f]{64}$`, key)
	return key
}
