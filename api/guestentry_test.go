package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

// guestBody is a valid spec 000 body, edited by kv pairs (a nil value drops the field).
func guestBody(t *testing.T, kv ...any) string {
	t.Helper()
	body := map[string]any{
		"vendorId": "demo", "siteId": "web", "name": "王五", "phoneNumber": "13812345678",
		"qq": "123456789", "wechat": "wangwu_88", "client_host": "cchd12.com",
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(body, k)
			continue
		}
		body[k] = kv[i+1]
	}
	b, err := json.Marshal(body)
	require.NoError(t, err)
	return string(b)
}

func guestHeaders(lang string) map[string]string {
	return map[string]string{langHeader: lang, roleHeader: guestRole}
}

func guestAnswer(t *testing.T, w *httptest.ResponseRecorder) guestResponse {
	t.Helper()
	var out guestResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
	return out
}

func (e *webEnv) guest(headers map[string]string, body string) *httptest.ResponseRecorder {
	return e.do(webCall{method: http.MethodPost, path: "http://shop.example" + guestEntryPath, body: body, headers: headers})
}

func TestGuestEntrySuccess(t *testing.T) {
	e := newWebEnv(t)
	w := e.guest(guestHeaders("zh_CN"), guestBody(t))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "no-store", w.Header().Get("Cache-Control"))

	var raw map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &raw))
	require.Len(t, raw, 7, "exactly spec 000's fields")
	require.Nil(t, raw["token"])
	require.EqualValues(t, 200, raw["code"])
	require.EqualValues(t, 0, raw["exceptionCode"])
	require.Equal(t, "取得资料成功", raw["message"])
	require.Equal(t, "api.response.code.getSuccess", raw["resourceKey"])
	require.Equal(t, true, raw["isOK"])
	link, ok := raw["data"].(string)
	require.True(t, ok)
	require.True(t, strings.HasPrefix(link, testPublicURL+"/chat?key="), "the configured public URL, never the request's Host (shop.example): %s", link)

	s, claims := e.session(keyOf(t, link))
	require.True(t, strings.HasPrefix(s.UserID, "guest-"), s.UserID)
	require.Equal(t, "王五", s.UserName)
	require.Equal(t, "zh", s.Locale)
	require.Equal(t, models.DemoChannelConfigID, s.ChannelConfigID)
	require.EqualValues(t, 11, s.SkillGroupID, "the channel's default group")
	require.Equal(t, "Demo Shop", s.TenantName)
	require.True(t, claims.Web)
	require.Equal(t, models.DemoTenantID, claims.TenantID)
	require.Equal(t, models.DemoAppKey, claims.AppKey)

	var row models.WebKey
	require.NoError(t, e.db.Where("id = ?", claims.WebKeyID).Take(&row).Error)
	require.JSONEq(t, `{"phoneNumber":"13812345678","qq":"123456789","wechat":"wangwu_88","clientHost":"cchd12.com"}`, row.Contact)
}

func TestGuestEntryEnglish(t *testing.T) {
	e := newWebEnv(t)
	for _, lang := range []string{"en_US", "en-US", "en"} {
		w := e.guest(guestHeaders(lang), guestBody(t, "phoneNumber", nil, "qq", nil, "wechat", nil))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		out := guestAnswer(t, w)
		require.Equal(t, "Data retrieved successfully", out.Message)
		s, _ := e.session(keyOf(t, *out.Data))
		require.Equal(t, "en", s.Locale)
	}
}

func TestGuestEntryDefaultsToChinese(t *testing.T) {
	e := newWebEnv(t)
	w := e.guest(map[string]string{roleHeader: "mobile"}, guestBody(t))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "取得资料成功", guestAnswer(t, w).Message, "spec 000: lang defaults to zh_CN; role is case-insensitive")
}

func TestGuestEntryRefusals(t *testing.T) {
	e := newWebEnv(t)
	long := strings.Repeat("x", 65)
	cases := []struct {
		name      string
		headers   map[string]string
		body      string
		status    int
		exception int
		zh, en    string
	}{
		{"unsupported lang", guestHeaders("fr_FR"), guestBody(t), 400, guestExLang, `不支持的 lang："fr_FR"`, ""},
		{"role missing", map[string]string{langHeader: "en_US"}, guestBody(t), 400, guestExRole, "", "the role header is required"},
		{"role not MOBILE", map[string]string{langHeader: "en_US", roleHeader: "PC"}, guestBody(t), 400, guestExRole, "", `role must be MOBILE, got "PC"`},
		{"empty body", nil, "", 400, guestExBody, "请求体必须是", "the request body must be one JSON object"},
		{"not JSON", nil, "vendorId=demo", 400, guestExBody, "请求体必须是", "the request body must be one JSON object"},
		{"array", nil, "[]", 400, guestExBody, "请求体必须是", "the request body must be one JSON object"},
		{"number field", nil, guestBody(t, "vendorId", 7), 400, guestExBody, "字段均为字符串", "whose fields are strings"},
		{"two objects", nil, guestBody(t) + "{}", 400, guestExBody, "请求体必须是", "the request body must be one JSON object"},
		{"vendorId missing", nil, guestBody(t, "vendorId", nil), 400, guestExParam, "vendorId 不能为空", "vendorId is required"},
		{"vendorId too long", nil, guestBody(t, "vendorId", long), 400, guestExParam, "vendorId 不能超过 64 个字符", "vendorId must be at most 64 characters"},
		{"siteId blank", nil, guestBody(t, "siteId", "  "), 400, guestExParam, "siteId 不能为空", "siteId is required"},
		{"siteId control", nil, guestBody(t, "siteId", "we\x00b"), 400, guestExParam, "siteId 只能是一行文字", "siteId must be one line"},
		{"name missing", nil, guestBody(t, "name", nil), 400, guestExParam, "name 不能为空", "name is required"},
		{"name null", nil, guestBody(t, "name", json.RawMessage("null")), 400, guestExParam, "name 不能为空", "name is required"},
		{"name too long", nil, guestBody(t, "name", long), 400, guestExParam, "name 不能超过 64 个字符", "name must be at most 64 characters"},
		{"name two lines", nil, guestBody(t, "name", "王\n五"), 400, guestExParam, "name 只能是一行文字", "name must be one line"},
		{"phone letters", nil, guestBody(t, "phoneNumber", "138-abc"), 400, guestExParam, "phoneNumber 格式不正确", "phoneNumber must be 5 to 20 digits"},
		{"phone short", nil, guestBody(t, "phoneNumber", "1234"), 400, guestExParam, "phoneNumber 格式不正确", "phoneNumber must be 5 to 20 digits"},
		{"qq leading zero", nil, guestBody(t, "qq", "0123456"), 400, guestExParam, "qq 格式不正确", "qq must be 5 to 12 digits"},
		{"qq too long", nil, guestBody(t, "qq", "1234567890123"), 400, guestExParam, "qq 格式不正确", "qq must be 5 to 12 digits"},
		{"wechat short", nil, guestBody(t, "wechat", "ab"), 400, guestExParam, "wechat 格式不正确", "wechat must be 6 to 20"},
		{"wechat symbols", nil, guestBody(t, "wechat", "wang wu!"), 400, guestExParam, "wechat 格式不正确", "wechat must be 6 to 20"},
		{"client_host missing", nil, guestBody(t, "client_host", nil), 400, guestExParam, "client_host 不能为空", "client_host is required"},
		{"client_host URL", nil, guestBody(t, "client_host", "http://cchd12.com/"), 400, guestExParam, "client_host 必须是域名", "client_host must be a domain name"},
		{"client_host label", nil, guestBody(t, "client_host", "-bad.com"), 400, guestExParam, "client_host 必须是域名", "client_host must be a domain name"},
		{"unknown site", nil, guestBody(t, "siteId", "app"), 404, guestExSite, `找不到 vendorId "demo"、siteId "app" 对应的站点`, `no site with vendorId "demo" and siteId "app"`},
		{"too large", nil, guestBody(t, "name", strings.Repeat("x", guestBodyLimit)), 413, guestExTooLarge, "请求体过大", "the request body is larger than 8192 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runs := map[string]map[string]string{tc.zh: guestHeaders("zh_CN"), tc.en: guestHeaders("en_US")}
			if tc.headers != nil {
				// Headers of their own: one run, in the language they select.
				runs = map[string]map[string]string{tc.zh + tc.en: tc.headers}
			}
			for want, headers := range runs {
				w := e.guest(headers, tc.body)
				require.Equal(t, tc.status, w.Code, w.Body.String())
				out := guestAnswer(t, w)
				require.Equal(t, tc.status, out.Code)
				require.Equal(t, tc.exception, out.ExceptionCode)
				require.False(t, out.IsOK)
				require.Nil(t, out.Data)
				require.Nil(t, out.Token)
				require.True(t, strings.HasPrefix(out.ResourceKey, "api.response.code."), out.ResourceKey)
				require.Contains(t, out.Message, want)
			}
		})
	}

	var n int64
	require.NoError(t, e.db.Model(&models.WebKey{}).Count(&n).Error)
	require.Zero(t, n, "a refused entry mints no key")
}

func TestGuestEntryNamesEveryProblem(t *testing.T) {
	e := newWebEnv(t)
	w := e.guest(guestHeaders("en_US"), guestBody(t, "vendorId", nil, "qq", "0", "client_host", "a b"))
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Equal(t, "vendorId is required; qq must be 5 to 12 digits not starting with 0; client_host must be a domain name, such as cchd12.com",
		guestAnswer(t, w).Message)
}

func TestGuestEntrySiteWithoutWebChat(t *testing.T) {
	e := newWebEnv(t)
	require.NoError(t, e.db.Create(&models.Tenant{ID: "bare", Name: "Bare", BusinessID: 3, AppID: "3003", VendorID: "bare", SiteID: "web"}).Error)
	w := e.guest(guestHeaders("en_US"), guestBody(t, "vendorId", "bare"))
	require.Equal(t, http.StatusNotFound, w.Code)
	out := guestAnswer(t, w)
	require.Equal(t, guestExClosed, out.ExceptionCode)
	require.Equal(t, "this site has no web chat", out.Message)
}

func TestGuestEntryIsRateLimitedPerClient(t *testing.T) {
	e := newWebEnv(t)
	var limited *httptest.ResponseRecorder
	for range guestEntryBurst + 1 {
		w := e.do(webCall{method: http.MethodPost, path: guestEntryPath, body: guestBody(t), headers: guestHeaders("en_US"), ip: "192.0.2.7"})
		if w.Code == http.StatusTooManyRequests {
			limited = w
			break
		}
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	require.NotNil(t, limited, "a client over the burst is told to slow down")
	require.NotEmpty(t, limited.Header().Get("Retry-After"))
	out := guestAnswer(t, limited)
	require.Equal(t, guestExTooMany, out.ExceptionCode)
	require.Contains(t, out.Message, "too many requests")

	w := e.guest(guestHeaders("en_US"), guestBody(t))
	require.Equal(t, http.StatusOK, w.Code, "another client is not limited")
}
