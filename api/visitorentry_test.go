package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/webentry"
	"github.com/ccflow/ccflow/models"
)

// productSample is spec 001's product example.
const productSample = `{"pid":1,"title":" Apple MacBook Air ","img":"http://www.wolive.cc/assets/images/pro.jpg",` +
	`"info":"13.3英寸筆記本電腦銀色(2017款Core i5 處理器/8GB內存/128GB閃存 MQD32CH/A)","price":"¥7588.00",` +
	`"url":"http://www.wolive.cc/demo/index/product1"}`

// visitorPath is the visitor entry with query parameters as kv pairs.
func visitorPath(kv ...string) string {
	q := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return visitorEntryPath + "?" + q.Encode()
}

// entered follows the redirect of a successful visitor entry to its session.
func (e *webEnv) entered(w *httptest.ResponseRecorder) webSessionResponse {
	e.t.Helper()
	require.Equal(e.t, http.StatusFound, w.Code, w.Body.String())
	require.Equal(e.t, "no-store", w.Header().Get("Cache-Control"))
	s, claims := e.session(keyOf(e.t, w.Header().Get("Location")))
	require.True(e.t, claims.Web)
	require.Equal(e.t, s.SkillGroupID, claims.SkillGroupID)
	return s
}

func TestVisitorEntryRedirectsToChat(t *testing.T) {
	e := newWebEnv(t)
	w := e.do(webCall{method: http.MethodGet, path: visitorPath(
		"visiter_id", "v-100", "visiter_name", "Ann", "avatar", "https://img.example/a.png",
		"business_id", "1", "groupid", "12", "product", productSample),
		headers: map[string]string{"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}})
	require.Len(t, w.Result().Cookies(), 1, "an unsigned id is bound to the browser")
	s := e.entered(w)
	require.Equal(t, webentry.UnsignedVisitorID(w.Result().Cookies()[0].Value, "v-100"), s.UserID,
		"an unsigned id is the claim as seen from this browser")
	require.Equal(t, "Ann", s.UserName)
	require.Equal(t, "https://img.example/a.png", s.Avatar)
	require.EqualValues(t, 12, s.SkillGroupID)
	require.Equal(t, "en", s.Locale, "the browser's language")
	require.Equal(t, models.DemoChannelConfigID, s.ChannelConfigID)
	require.JSONEq(t, productSample, string(s.ProductCard))

	var row models.WebKey
	require.NoError(t, e.db.Take(&row).Error)
	require.Equal(t, webentry.SourceVisitor, row.Source)
	require.NotContains(t, row.ProductCard, "\n")
}

func TestVisitorEntryDefaults(t *testing.T) {
	e := newWebEnv(t)
	s := e.entered(e.do(webCall{method: http.MethodGet, path: visitorPath("visiter_id", "v-200", "business_id", "1")}))
	require.EqualValues(t, 11, s.SkillGroupID, "the channel's default group")
	require.Equal(t, "zh", s.Locale, "the channel's locale")
	require.Equal(t, "访客v-200", s.UserName)
	require.Empty(t, s.ProductCard)

	s = e.entered(e.do(webCall{method: http.MethodGet, path: visitorPath("visiter_id", "v-300", "business_id", "2")}))
	require.Equal(t, otherChannel, s.ChannelConfigID, "each business opens its own channel")
	require.Equal(t, "en", s.Locale)
	require.Equal(t, "Visitor v-300", s.UserName)
}

func TestVisitorEntryGeneratedIDIsStablePerBrowser(t *testing.T) {
	e := newWebEnv(t)
	w := e.do(webCall{method: http.MethodGet, path: visitorPath("business_id", "1")})
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	require.Equal(t, visitorCookie, c.Name)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, 365*24*60*60, c.MaxAge)
	require.Equal(t, "/", c.Path)
	first := e.entered(w)
	require.True(t, webentry.IsGeneratedVisitorID(c.Value))
	require.Equal(t, webentry.UnsignedVisitorID(c.Value, ""), first.UserID)
	require.NotContains(t, first.UserID, c.Value, "the browser's cookie is never shown as a user id")

	w = e.do(webCall{method: http.MethodGet, path: visitorPath("business_id", "1"), cookies: []*http.Cookie{{Name: visitorCookie, Value: c.Value}}})
	require.Len(t, w.Result().Cookies(), 1, "the cookie is renewed")
	require.Equal(t, first.UserID, e.entered(w).UserID, "the same browser is the same visitor")

	w = e.do(webCall{method: http.MethodGet, path: visitorPath("business_id", "1")})
	require.NotEqual(t, first.UserID, e.entered(w).UserID, "another browser is another visitor")

	w = e.do(webCall{method: http.MethodGet, path: visitorPath("business_id", "1"), cookies: []*http.Cookie{{Name: visitorCookie, Value: "agent1"}}})
	require.NotEqual(t, "agent1", w.Result().Cookies()[0].Value, "a cookie ccflow did not make is replaced")
	s := e.entered(w)
	require.NotEqual(t, webentry.UnsignedVisitorID("agent1", ""), s.UserID)
}

func TestVisitorEntryRefusals(t *testing.T) {
	e := newWebEnv(t)
	for name, tc := range map[string]struct {
		path   string
		status int
		msg    string
	}{
		"business_id missing":      {visitorPath("visiter_id", "v"), 400, "business_id is required"},
		"business_id not a number": {visitorPath("business_id", "abc"), 400, "business_id must be a positive integer"},
		"business_id zero":         {visitorPath("business_id", "0"), 400, "business_id must be a positive integer"},
		"business unknown":         {visitorPath("business_id", "99"), 404, "no business with business_id 99"},
		"groupid not a number":     {visitorPath("business_id", "1", "groupid", "x"), 400, "groupid must be a positive integer"},
		"groupid negative":         {visitorPath("business_id", "1", "groupid", "-12"), 400, "groupid must be a positive integer"},
		"groupid unknown":          {visitorPath("business_id", "1", "groupid", "99"), 400, "groupid 99 is not a group of business 1"},
		"groupid of another":       {visitorPath("business_id", "1", "groupid", "21"), 400, "groupid 21 is not a group of business 1"},
		"visiter_id too long":      {visitorPath("business_id", "1", "visiter_id", strings.Repeat("v", 129)), 400, "visiter_id must be at most 128 characters"},
		"visiter_id with space":    {visitorPath("business_id", "1", "visiter_id", "v 1"), 400, "visiter_id must not contain spaces or control characters"},
		"visiter_id control":       {visitorPath("business_id", "1", "visiter_id", "v\x01"), 400, "visiter_id must not contain spaces or control characters"},
		"visiter_id of a guest":    {visitorPath("business_id", "1", "visiter_id", "guest-0123"), 400, `visiter_id must not start with "guest-"`},
		"visiter_id unsigned form": {visitorPath("business_id", "1", "visiter_id", "anon-0123"), 400, `visiter_id must not start with "anon-"`},
		"visiter_name too long":    {visitorPath("business_id", "1", "visiter_name", strings.Repeat("名", 65)), 400, "visiter_name must be at most 64 characters"},
		"visiter_name two lines":   {visitorPath("business_id", "1", "visiter_name", "a\nb"), 400, "visiter_name must be one line"},
		"avatar relative":          {visitorPath("business_id", "1", "avatar", "/a.png"), 400, "avatar must be an absolute http or https URL"},
		"avatar script":            {visitorPath("business_id", "1", "avatar", "javascript:alert(1)"), 400, "avatar must be an absolute http or https URL"},
		"avatar credentials":       {visitorPath("business_id", "1", "avatar", "https://u:p@img.example/a.png"), 400, "avatar must be an absolute http or https URL"},
		"avatar too long":          {visitorPath("business_id", "1", "avatar", "https://img.example/"+strings.Repeat("a", 500)), 400, "avatar must be at most 512 characters"},
		"product not JSON":         {visitorPath("business_id", "1", "product", "pid=1"), 400, "product must be a JSON object"},
		"product an array":         {visitorPath("business_id", "1", "product", `[{"pid":1}]`), 400, "product must be a JSON object"},
		"product too large":        {visitorPath("business_id", "1", "product", `{"info":"`+strings.Repeat("x", 2000)+`"}`), 400, "product must be at most 2000 bytes"},
		"several problems":         {visitorPath("business_id", "x", "groupid", "y"), 400, "business_id must be a positive integer; groupid must be a positive integer"},
	} {
		t.Run(name, func(t *testing.T) {
			w := e.do(webCall{method: http.MethodGet, path: tc.path})
			require.Equal(t, tc.status, w.Code, w.Body.String())
			out := decodeGroups(t, w.Body.Bytes())
			require.Equal(t, 1, out.Code)
			require.Equal(t, tc.status, out.ErrorCode)
			require.Contains(t, out.Message, tc.msg)
			require.Empty(t, w.Result().Cookies(), "a refused entry sets no cookie")
		})
	}
	var n int64
	require.NoError(t, e.db.Model(&models.WebKey{}).Count(&n).Error)
	require.Zero(t, n, "a refused entry mints no key")
}

func TestVisitorEntryIsRateLimitedPerClient(t *testing.T) {
	e := newWebEnv(t)
	limited := false
	for range visitorEntryBurst + 1 {
		w := e.do(webCall{method: http.MethodGet, path: visitorPath("business_id", "1", "visiter_id", "v"), ip: "192.0.2.8"})
		if w.Code == http.StatusTooManyRequests {
			limited = true
			require.NotEmpty(t, w.Header().Get("Retry-After"))
			var out groupsResponse
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
			require.Equal(t, http.StatusTooManyRequests, out.ErrorCode)
			break
		}
		require.Equal(t, http.StatusFound, w.Code, w.Body.String())
	}
	require.True(t, limited, "a client over the burst is told to slow down")
}
