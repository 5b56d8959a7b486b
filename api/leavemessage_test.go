package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/leavemsg"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
)

// A second tenant for the leave-message tests, with its own appid and secret.
const (
	lmOtherTenant = "lm-other"
	lmOtherAppID  = "3003"
	lmOtherKey    = "lm-other-key"
	lmOtherSecret = "lm-other-secret"
	lmDemoAppID   = "1001"
)

// lmEnv is the API engine with the leave-message routes as routes.go declares
// them, on a SQLite database with the demo data and a second tenant.
type lmEnv struct {
	db     *gorm.DB
	issuer *token.Issuer
	router *gin.Engine
	// nextIP gives each request its own client address, so that tests other
	// than the rate limiter's never meet the limit.
	nextIP int
}

func newLMEnv(t *testing.T) *lmEnv {
	t.Helper()
	return newLMEnvWith(t, Settings{})
}

func newLMEnvWith(t *testing.T, settings Settings) *lmEnv {
	t.Helper()
	db := demoDB(t)
	require.NoError(t, db.Create(&models.Tenant{
		ID: lmOtherTenant, Name: "Other Shop", BusinessID: 3, AppID: lmOtherAppID, VendorID: "other", SiteID: "web",
	}).Error)
	require.NoError(t, db.Create(&models.AppKey{Key: lmOtherKey, TenantID: lmOtherTenant, Secret: lmOtherSecret, Name: "other"}).Error)

	d := testDeps(db)
	d.Settings = settings
	clock := newTestClock()
	e := &lmEnv{db: db, issuer: newTestIssuer(t, db, clock)}
	d.Tokens = e.issuer
	r := newEngine(d)
	// The lines routes.go declares for the leave-message entries.
	leave := newLeaveMessageHandlers(d, &leavemsg.Store{DB: db})
	leaveLimit := newLeaveMessageLimiter()
	r.POST("/api/v1.0/:appid/leavemessage", leaveLimit, leave.leaveMessage)
	r.POST("/api/v1/:appid/leavemessage", leaveLimit, leave.leaveMessage)
	full := newAuthenticator(d, e.issuer, nil).visitor(visitorOpts{appAuth: true})
	r.Group("/apiaccess/ccmessaging").POST("/doLeaveMessage", full, limitPerVisitor(doLeaveMessagePerVisitor, fail), leave.doLeaveMessage)
	e.router = r
	return e
}

// post sends body from the client address remote ("" for a fresh one).
func (e *lmEnv) post(path, body, remote string, headers map[string]string) *httptest.ResponseRecorder {
	if remote == "" {
		e.nextIP++
		remote = fmt.Sprintf("10.1.%d.%d:40000", e.nextIP/250, e.nextIP%250+1)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.router.ServeHTTP(w, req)
	return w
}

// signedPath is the leave-message URL for body, signed with secret at ts.
func signedPath(version, appID, secret string, ts time.Time, body string) string {
	stamp := strconv.FormatInt(ts.UnixMilli(), 10)
	return fmt.Sprintf("/api/%s/%s/leavemessage?timestamp=%s&signature=%s",
		version, appID, stamp, leavemsg.Sign(secret, appID, stamp, []byte(body)))
}

// leave sends body to the demo app, correctly signed now.
func (e *lmEnv) leave(body string) *httptest.ResponseRecorder {
	return e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, time.Now(), body), body, "", nil)
}

// lmAnswer is the leave-message envelope.
type lmAnswer struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
	ID         string `json:"id"`
}

func answer(t *testing.T, w *httptest.ResponseRecorder) lmAnswer {
	t.Helper()
	var a lmAnswer
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a), w.Body.String())
	return a
}

// requireSaved checks a success and returns the new message's id.
func requireSaved(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	a := answer(t, w)
	require.Equal(t, "0", a.ResultCode, a.ResultDesc)
	require.Equal(t, "Save leaveMessage success!", a.ResultDesc)
	require.NotEmpty(t, a.ID)
	return a.ID
}

// requireRefused checks an error answer's status, result code and description.
func requireRefused(t *testing.T, w *httptest.ResponseRecorder, status int, code, desc string) {
	t.Helper()
	require.Equal(t, status, w.Code, w.Body.String())
	a := answer(t, w)
	require.Equal(t, code, a.ResultCode, a.ResultDesc)
	require.Contains(t, a.ResultDesc, desc)
	require.Empty(t, a.ID)
}

func (e *lmEnv) count(t *testing.T) int64 {
	t.Helper()
	var n int64
	require.NoError(t, e.db.Model(&models.LeaveMessage{}).Count(&n).Error)
	return n
}

func (e *lmEnv) row(t *testing.T, id string) models.LeaveMessage {
	t.Helper()
	var m models.LeaveMessage
	require.NoError(t, e.db.Where("id = ?", id).Take(&m).Error)
	return m
}

// validLeave is a valid body: spec 002's example with content filled in.
func validLeave() map[string]any {
	return map[string]any{
		"user_id": "198979273423", "contact": "王五", "callback": "email", "email": "wangwu@163.com",
		"subject": "空调没人来装呀,你们的安装肿么了?", "content": "约好周一上门，至今没人来。",
		"user_data": map[string]any{"geolocation": []float64{12.23, 40.1}, "app_version": "1.2.1231", "os": "iOS 6.0"},
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestLeaveMessageValidation(t *testing.T) {
	e := newLMEnv(t)
	set := func(kv ...any) func(map[string]any) {
		return func(m map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
				} else {
					m[kv[i].(string)] = kv[i+1]
				}
			}
		}
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		code   string // "" for a valid body
		desc   string
	}{
		{"contact missing", set("contact", nil), "4001", "contact is required"},
		{"contact blank", set("contact", "   "), "4001", "contact is required"},
		{"contact 1 character", set("contact", "王"), "4001", "contact must be 2 to 32 characters, got 1"},
		{"contact 33 characters", set("contact", strings.Repeat("王", 33)), "4001", "contact must be at most 32 characters"},
		{"contact not a string", set("contact", 42), "4001", "contact must be a JSON string"},
		{"contact on two lines", set("contact", "王\n五"), "4001", "contact must be a single line"},
		{"contact 2 characters", set("contact", "王五"), "", ""},
		{"contact 32 characters", set("contact", strings.Repeat("王", 32)), "", ""},

		{"callback missing", set("callback", nil), "4002", "callback is required: one of email, fax, sms, tel"},
		{"callback unknown", set("callback", "phone"), "4002", "callback must be one of email, fax, sms, tel"},
		{"callback upper case", set("callback", "EMAIL"), "4002", "callback must be one of"},
		{"callback email", set("callback", "email"), "", ""},
		{"callback tel", set("callback", "tel", "tel", "07522026666"), "", ""},
		{"callback fax", set("callback", "fax", "tel", "0752-2026666"), "", ""},
		{"callback sms", set("callback", "sms", "tel", "13812345678"), "", ""},

		{"tel missing for tel", set("callback", "tel"), "4003", "tel is required when callback is tel"},
		{"tel missing for fax", set("callback", "fax"), "4003", "tel is required when callback is fax"},
		{"tel missing for sms", set("callback", "sms"), "4003", "tel is required when callback is sms"},
		{"tel too short", set("callback", "tel", "tel", "2026666"), "4003", "tel must be an area code and number such as 07522026666"},
		{"tel no leading zero", set("callback", "tel", "tel", "7522026666"), "4003", "tel must be"},
		{"tel letters", set("callback", "tel", "tel", "0752-ABCDEFG"), "4003", "tel must be"},
		{"tel mobile 12x", set("callback", "sms", "tel", "12812345678"), "4003", "tel must be"},
		{"tel mobile 10 digits", set("callback", "sms", "tel", "1386667777"), "4003", "tel must be"},
		{"tel bad even with email callback", set("tel", "12345"), "4003", "tel must be"},
		{"tel spec example", set("callback", "tel", "tel", "07522026666"), "", ""},
		{"tel 2-digit area code 8 digits", set("callback", "tel", "tel", "010-12345678"), "", ""},
		{"tel mobile +86", set("callback", "sms", "tel", "+8613812345678"), "", ""},

		{"email missing for email", set("email", nil), "4004", "email is required when callback is email"},
		{"email malformed", set("email", "wangwu.163.com"), "4004", "email must be one well-formed address"},
		{"email with display name", set("email", "Wang Wu <wangwu@163.com>"), "4004", "email must be one well-formed address"},
		{"email without dotted domain", set("email", "wangwu@localhost"), "4004", "email must be"},
		{"email too long", set("email", strings.Repeat("a", 95)+"@x.com"), "4004", "at most 100 characters"},
		{"email bad with tel callback", set("callback", "tel", "tel", "07522026666", "email", "nope"), "4004", "email must be"},
		{"email not needed for tel", set("callback", "tel", "tel", "07522026666", "email", nil), "", ""},

		{"subject missing", set("subject", nil), "4005", "subject is required"},
		{"subject 51 characters", set("subject", strings.Repeat("装", 51)), "4005", "subject must be at most 50 characters, got 51"},
		{"subject 50 characters", set("subject", strings.Repeat("装", 50)), "", ""},

		{"content 2001 characters", set("content", strings.Repeat("内", 2001)), "4006", "content must be at most 2000 characters, got 2001"},
		{"content emoji", set("content", "空调坏了😡"), "4006", "content must not contain characters beyond U+FFFF"},
		{"content 2000 characters", set("content", strings.Repeat("内", 2000)), "", ""},
		{"content multi-line", set("content", "第一行\n第二行"), "", ""},
		{"content absent", set("content", nil), "", ""},

		{"user_data 2001 bytes", set("user_data", strings.Repeat("x", 1999)), "4007", "user_data must be at most 2000 bytes as compact JSON, got 2001"},
		{"user_data 2000 bytes", set("user_data", strings.Repeat("x", 1998)), "", ""},
		{"user_data array", set("user_data", []any{1, "two", nil}), "", ""},
		{"user_data number", set("user_data", 3.5), "", ""},
		{"user_data absent", set("user_data", nil), "", ""},

		{"user_id 51 characters", set("user_id", strings.Repeat("u", 51)), "4008", "user_id must be at most 50 characters"},
		{"user_id not a string", set("user_id", 198979273423), "4008", "user_id must be a JSON string"},
		{"user_id 50 characters", set("user_id", strings.Repeat("u", 50)), "", ""},
		{"user_id absent", set("user_id", nil), "", ""},

		{"acc_type unknown", set("acc_type", "qq"), "4009", "acc_type must be app or weixin"},
		{"weixin without acc_name", set("acc_type", "weixin"), "4009", "acc_name (the WeChat account name) is required"},
		{"weixin acc_name 51 characters", set("acc_type", "weixin", "acc_name", strings.Repeat("w", 51)), "4009", "acc_name must be at most 50 characters"},
		{"acc_type app", set("acc_type", "app"), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validLeave()
			tc.change(m)
			before := e.count(t)
			w := e.leave(mustJSON(t, m))
			if tc.code == "" {
				requireSaved(t, w)
				require.Equal(t, before+1, e.count(t))
				return
			}
			requireRefused(t, w, http.StatusBadRequest, tc.code, tc.desc)
			require.Equal(t, before, e.count(t), "a refused message writes nothing")
		})
	}
}

func TestLeaveMessageMalformedBody(t *testing.T) {
	e := newLMEnv(t)
	for _, body := range []string{``, `{"contact":`, `[]`, `null`, `"text"`, `{} {}`, `{"contact":"王五",}`} {
		t.Run(body, func(t *testing.T) {
			requireRefused(t, e.leave(body), http.StatusBadRequest, "4000", "request body must be one JSON object")
		})
	}
	require.Zero(t, e.count(t))
}

func TestLeaveMessageStoresSpecColumns(t *testing.T) {
	e := newLMEnv(t)
	// Spec 002's example, verbatim apart from the tel added here.
	body := `{
    "user_id" : "198979273423",
    "contact" : "王五",
    "callback" : "email",
    "email" : "wangwu@163.com",
    "tel" : "07522026666",
    "subject" : "空调没人来装呀,你们的安装肿么了?",
    "content" : "",
    "user_data" : {
        "geolocation": [12.23, 40.1],
        "app_version": "1.2.1231",
        "os": "iOS 6.0"
    }
}`
	before := time.Now().UTC().Truncate(time.Second)
	id := requireSaved(t, e.leave(body))
	after := time.Now().UTC()

	m := e.row(t, id)
	require.Equal(t, id, m.ID)
	require.Len(t, id, 36, "a UUID")
	require.Equal(t, "app", m.AccType)
	require.Equal(t, "Demo Shop", m.AccName, "the app's name is its tenant's")
	require.Equal(t, "198979273423", *m.UserID)
	require.Equal(t, "王五", m.Contact)
	require.Equal(t, "email", m.Callback)
	require.Equal(t, "07522026666", *m.Tel)
	require.Equal(t, "wangwu@163.com", *m.Email)
	require.Equal(t, "空调没人来装呀,你们的安装肿么了?", m.Subject)
	require.Nil(t, m.Content, "empty content is NULL")
	require.Equal(t, `{"geolocation":[12.23,40.1],"app_version":"1.2.1231","os":"iOS 6.0"}`, *m.UserData)
	require.Nil(t, m.Tag)
	require.False(t, m.CreateTime.Before(before), m.CreateTime)
	require.False(t, m.CreateTime.After(after), m.CreateTime)

	// Optional fields left out are NULL too; user_data keeps its JSON type
	// and its emoji as \u escapes the spec's utf8 table can hold.
	id = requireSaved(t, e.leave(`{"contact":"Li Lei","callback":"sms","tel":"+8613812345678","subject":"Call me","user_data":"hi 😀"}`))
	m = e.row(t, id)
	require.Nil(t, m.UserID)
	require.Nil(t, m.Email)
	require.Nil(t, m.Content)
	require.Equal(t, "+8613812345678", *m.Tel)
	require.Equal(t, `"hi \ud83d\ude00"`, *m.UserData)
	var back string
	require.NoError(t, json.Unmarshal([]byte(*m.UserData), &back))
	require.Equal(t, "hi 😀", back)
}

func TestLeaveMessageWeixin(t *testing.T) {
	e := newLMEnv(t)
	m := validLeave()
	m["acc_type"], m["acc_name"] = "weixin", "demo-shop-wx"
	row := e.row(t, requireSaved(t, e.leave(mustJSON(t, m))))
	require.Equal(t, "weixin", row.AccType)
	require.Equal(t, "demo-shop-wx", row.AccName)

	// acc_name means nothing for app messages: it is always the tenant's name.
	m = validLeave()
	m["acc_name"] = "someone else"
	row = e.row(t, requireSaved(t, e.leave(mustJSON(t, m))))
	require.Equal(t, "app", row.AccType)
	require.Equal(t, "Demo Shop", row.AccName)
}

func TestLeaveMessageSignature(t *testing.T) {
	e := newLMEnv(t)
	body := mustJSON(t, validLeave())
	now := time.Now()

	t.Run("valid, both versions", func(t *testing.T) {
		requireSaved(t, e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, now, body), body, "", nil))
		// The version is not signed: the same request on v1 would be a replay.
		requireSaved(t, e.post(signedPath("v1", lmDemoAppID, models.DemoAppSecret, now.Add(time.Millisecond), body), body, "", nil))
	})
	t.Run("upper-case hex is the same signature", func(t *testing.T) {
		stamp := strconv.FormatInt(time.Now().UnixMilli()+1, 10)
		sig := strings.ToUpper(leavemsg.Sign(models.DemoAppSecret, lmDemoAppID, stamp, []byte(body)))
		requireSaved(t, e.post("/api/v1.0/1001/leavemessage?timestamp="+stamp+"&signature="+sig, body, "", nil))
	})
	t.Run("body changed after signing", func(t *testing.T) {
		path := signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, now, body)
		requireRefused(t, e.post(path, strings.Replace(body, "王五", "赵六", 1), "", nil),
			http.StatusUnauthorized, "4011", "signature does not match")
	})
	t.Run("wrong signature", func(t *testing.T) {
		stamp := strconv.FormatInt(now.UnixMilli(), 10)
		requireRefused(t, e.post("/api/v1.0/1001/leavemessage?timestamp="+stamp+"&signature="+strings.Repeat("ab", 32), body, "", nil),
			http.StatusUnauthorized, "4011", "signature does not match")
	})
	t.Run("missing or malformed signature", func(t *testing.T) {
		stamp := strconv.FormatInt(now.UnixMilli(), 10)
		for _, sig := range []string{"", "xxxxxxx", strings.Repeat("g", 64), strings.Repeat("a", 63)} {
			requireRefused(t, e.post("/api/v1.0/1001/leavemessage?timestamp="+stamp+"&signature="+sig, body, "", nil),
				http.StatusUnauthorized, "4011", "signature is required: 64 hex digits")
		}
	})
	t.Run("another app's secret", func(t *testing.T) {
		requireRefused(t, e.post(signedPath("v1.0", lmDemoAppID, lmOtherSecret, now, body), body, "", nil),
			http.StatusUnauthorized, "4011", "signature does not match")
	})
	t.Run("signed for another appid", func(t *testing.T) {
		// The appid is signed: a request signed for 3003 cannot be sent to 1001.
		path := signedPath("v1.0", lmOtherAppID, models.DemoAppSecret, now, body)
		path = strings.Replace(path, "/"+lmOtherAppID+"/", "/"+lmDemoAppID+"/", 1)
		requireRefused(t, e.post(path, body, "", nil), http.StatusUnauthorized, "4011", "signature does not match")
	})
	t.Run("another tenant signs with its own secret", func(t *testing.T) {
		id := requireSaved(t, e.post(signedPath("v1", lmOtherAppID, lmOtherSecret, now, body), body, "", nil))
		require.Equal(t, "Other Shop", e.row(t, id).AccName)
	})
	t.Run("the tenant's first enabled key signs", func(t *testing.T) {
		var first models.AppKey
		require.NoError(t, e.db.Where("`key` = ?", models.DemoAppKey).Take(&first).Error)
		require.NoError(t, e.db.Create(&models.AppKey{
			Key: "demo-newer-key", TenantID: models.DemoTenantID, Secret: "newer-secret", Name: "newer",
			CreatedAt: first.CreatedAt.Add(time.Hour),
		}).Error)
		requireRefused(t, e.post(signedPath("v1.0", lmDemoAppID, "newer-secret", time.Now(), body), body, "", nil),
			http.StatusUnauthorized, "4011", "signature does not match")

		require.NoError(t, e.db.Model(&first).Update("disabled", true).Error)
		requireSaved(t, e.post(signedPath("v1.0", lmDemoAppID, "newer-secret", time.Now(), body), body, "", nil))
		requireRefused(t, e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, time.Now().Add(time.Millisecond), body), body, "", nil),
			http.StatusUnauthorized, "4011", "signature does not match")
	})
}

func TestLeaveMessageReplay(t *testing.T) {
	e := newLMEnv(t)
	body := mustJSON(t, validLeave())
	path := signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, time.Now(), body)

	requireSaved(t, e.post(path, body, "", nil))
	requireRefused(t, e.post(path, body, "", nil), http.StatusUnauthorized, "4013", "this request was already received")
	// Nor does changing the signature's case or the version in the path make it new.
	head, sig, _ := strings.Cut(path, "signature=")
	requireRefused(t, e.post(head+"signature="+strings.ToUpper(sig), body, "", nil), http.StatusUnauthorized, "4013", "already received")
	requireRefused(t, e.post(strings.Replace(path, "/v1.0/", "/v1/", 1), body, "", nil), http.StatusUnauthorized, "4013", "already received")
	require.EqualValues(t, 1, e.count(t), "the message is written once")

	var nonces []models.RequestNonce
	require.NoError(t, e.db.Find(&nonces).Error)
	require.Len(t, nonces, 1)
	require.Equal(t, "leavemessage:"+lmDemoAppID, nonces[0].Scope)
	require.Len(t, nonces[0].Nonce, 64)
	require.WithinDuration(t, time.Now().Add(6*time.Minute), nonces[0].ExpiresAt, 5*time.Second)
}

func TestLeaveMessagePrunesExpiredNonces(t *testing.T) {
	e := newLMEnv(t)
	require.NoError(t, e.db.Create(&models.RequestNonce{
		Scope: "leavemessage:" + lmDemoAppID, Nonce: "old", ExpiresAt: time.Now().Add(-time.Minute).UTC(),
	}).Error)
	requireSaved(t, e.leave(mustJSON(t, validLeave())))
	var left []models.RequestNonce
	require.NoError(t, e.db.Find(&left).Error)
	require.Len(t, left, 1)
	require.NotEqual(t, "old", left[0].Nonce, "the expired row was swept, the new one kept")
}

func TestLeaveMessageTimestamp(t *testing.T) {
	e := newLMEnv(t)
	body := mustJSON(t, validLeave())
	send := func(ts time.Time) *httptest.ResponseRecorder {
		return e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, ts, body), body, "", nil)
	}
	requireRefused(t, send(time.Now().Add(-6*time.Minute)), http.StatusUnauthorized, "4012", "must be within 5m0s")
	requireRefused(t, send(time.Now().Add(6*time.Minute)), http.StatusUnauthorized, "4012", "must be within 5m0s")
	requireSaved(t, send(time.Now().Add(-4*time.Minute)))
	requireSaved(t, send(time.Now().Add(4*time.Minute)))

	sig := leavemsg.Sign(models.DemoAppSecret, lmDemoAppID, "", []byte(body))
	requireRefused(t, e.post("/api/v1.0/1001/leavemessage?signature="+sig, body, "", nil),
		http.StatusUnauthorized, "4012", "timestamp is required: timestamp must be milliseconds since the epoch")
	for _, stamp := range []string{"abc", "-1407812629434", "1407812629434.5", "01407812629434", " 1407812629434", "1e12"} {
		requireRefused(t, e.post("/api/v1.0/1001/leavemessage?timestamp="+url.QueryEscape(stamp)+"&signature="+sig, body, "", nil),
			http.StatusUnauthorized, "4012", "timestamp must be milliseconds since the epoch, such as 1407812629434")
	}
	require.EqualValues(t, 2, e.count(t))
}

func TestLeaveMessageUnknownAppAndVersion(t *testing.T) {
	e := newLMEnv(t)
	body := mustJSON(t, validLeave())
	now := time.Now()
	requireRefused(t, e.post(signedPath("v1.0", "9999", models.DemoAppSecret, now, body), body, "", nil),
		http.StatusNotFound, "4041", `appid "9999" is unknown`)

	for _, version := range []string{"v2.0", "v1.1", "V1", "v1.0.0"} {
		w := e.post(signedPath(version, lmDemoAppID, models.DemoAppSecret, now, body), body, "", nil)
		requireRefused(t, w, http.StatusNotFound, "404", "Not Found")
	}
	require.Zero(t, e.count(t))
}

func TestLeaveMessageBodyLimit(t *testing.T) {
	e := newLMEnv(t)
	m := validLeave()
	m["content"] = strings.Repeat("x", maxLeaveMessageBody)
	requireRefused(t, e.leave(mustJSON(t, m)), http.StatusRequestEntityTooLarge, "413", "larger than 65536 bytes")
}

func TestLeaveMessageFromOneBackendIsNotLimitedPerAddress(t *testing.T) {
	e := newLMEnv(t)
	body := mustJSON(t, validLeave())
	const backend = "203.0.113.9:5555"
	// An app's backend relays all its users' messages from one address.
	for i := range 3 * leaveMessagePerMinute {
		ts := time.Now().Add(time.Duration(i) * time.Millisecond)
		requireSaved(t, e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, ts, body), body, backend, nil))
	}
	require.EqualValues(t, 3*leaveMessagePerMinute, e.count(t))
}

func TestLeaveMessageFailuresAreLimitedPerAddress(t *testing.T) {
	e := newLMEnv(t)
	body := mustJSON(t, validLeave())
	const client = "203.0.113.9:5555"
	for i := range leaveMessageBurst {
		ts := time.Now().Add(time.Duration(i) * time.Millisecond)
		w := e.post(signedPath("v1.0", lmDemoAppID, "not-the-secret", ts, body), body, client, nil)
		requireRefused(t, w, http.StatusUnauthorized, "4011", "signature does not match")
	}
	w := e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, time.Now().Add(time.Second), body), body, client, nil)
	requireRefused(t, w, http.StatusTooManyRequests, "429", "too many requests from this client")
	retry, err := strconv.Atoi(w.Header().Get("Retry-After"))
	require.NoError(t, err)
	require.InDelta(t, 6, retry, 1)
	// The same limit covers both versions' paths, and another client is unaffected.
	requireRefused(t, e.post(signedPath("v1", lmDemoAppID, models.DemoAppSecret, time.Now().Add(2*time.Second), body), body, client, nil),
		http.StatusTooManyRequests, "429", "too many requests")
	requireSaved(t, e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, time.Now().Add(3*time.Second), body), body, "203.0.113.10:5555", nil))
	require.EqualValues(t, 1, e.count(t))
}

func TestLeaveMessageIsLimitedPerAppID(t *testing.T) {
	e := newLMEnvWith(t, Settings{LeaveMessagePerMinute: 12}) // bursts of 10
	body := mustJSON(t, validLeave())
	for i := range 10 {
		ts := time.Now().Add(time.Duration(i) * time.Millisecond)
		requireSaved(t, e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, ts, body), body, "", nil))
	}
	w := e.post(signedPath("v1.0", lmDemoAppID, models.DemoAppSecret, time.Now().Add(time.Second), body), body, "", nil)
	requireRefused(t, w, http.StatusTooManyRequests, "429", "too many requests")
	require.Equal(t, "5", w.Header().Get("Retry-After"))
	// Forged requests do not use up a tenant's allowance: they are refused before it.
	requireRefused(t, e.post(signedPath("v1.0", lmOtherAppID, "forged", time.Now(), body), body, "", nil), http.StatusUnauthorized, "4011", "signature")
	requireSaved(t, e.post(signedPath("v1.0", lmOtherAppID, lmOtherSecret, time.Now().Add(2*time.Second), body), body, "", nil))
	require.EqualValues(t, 11, e.count(t), "another appid has its own allowance")
}

// doLeave posts a doLeaveMessage body with the headers of claims.
func (e *lmEnv) doLeave(t *testing.T, claims token.VisitorClaims, body string) *httptest.ResponseRecorder {
	t.Helper()
	return e.post("/apiaccess/ccmessaging/doLeaveMessage", body, "", visitorHeaders(t, e.issuer, claims))
}

func doLeaveBody(callID, caller, message, channel string) string {
	b, err := json.Marshal(map[string]string{"callId": callID, "caller": caller, "leaveMessage": message, "channel": channel})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestDoLeaveMessage(t *testing.T) {
	e := newLMEnv(t)
	visitor := demoVisitor("visitor-1")

	t.Run("success", func(t *testing.T) {
		before := time.Now().UTC().Truncate(time.Second)
		w := e.doLeave(t, visitor, doLeaveBody("visitor-1", "13866677777", "请回复电话", "WEB"))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		code, desc := envelope(t, w)
		require.Equal(t, "0", code)
		require.Equal(t, "Save leaveMessage success!", desc)

		var m models.LeaveMessage
		require.NoError(t, e.db.Where("user_id = ?", "visitor-1").Take(&m).Error)
		require.Len(t, m.ID, 36)
		require.Equal(t, "app", m.AccType)
		require.Equal(t, "Demo Shop", m.AccName)
		require.Equal(t, "Ann", m.Contact, "the token's userName")
		require.Equal(t, "tel", m.Callback)
		require.Equal(t, "13866677777", *m.Tel)
		require.Nil(t, m.Email)
		require.Equal(t, "请回复电话", m.Subject)
		require.Equal(t, "请回复电话", *m.Content)
		require.Nil(t, m.UserData)
		require.False(t, m.CreateTime.Before(before))
	})

	t.Run("spec 003's own sample", func(t *testing.T) {
		sample := demoVisitor("11111222111")
		w := e.doLeave(t, sample, `{ "callId": "11111222111", "caller": "1386667777", "leaveMessage": "请回复电话", "channel": "WEB" }`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.JSONEq(t, `{ "resultCode": "0", "resultDesc": "Save leaveMessage success!" }`, w.Body.String())
		var m models.LeaveMessage
		require.NoError(t, e.db.Where("user_id = ?", "11111222111").Take(&m).Error)
		require.Equal(t, "1386667777", *m.Tel)
		for i, caller := range []string{"+86 138 1234 5678", "0752-2026666", "95599", "110"} {
			v := demoVisitor(fmt.Sprintf("caller-%d", i))
			w := e.doLeave(t, v, doLeaveBody(v.UserID, caller, "请回复电话", "WEB"))
			require.Equal(t, http.StatusOK, w.Code, "%s: %s", caller, w.Body.String())
		}
	})

	t.Run("subject is the message's first 50 characters, contact fits the column", func(t *testing.T) {
		cases := []struct{ name, contact string }{
			{"", "访客"}, {"王", "王访客"}, {strings.Repeat("名", 40), strings.Repeat("名", 32)}, {"Ann 😀", "Ann"},
		}
		for i, tc := range cases {
			v := demoVisitor(fmt.Sprintf("visitor-name-%d", i))
			v.UserName = tc.name
			message := "第一行\n" + strings.Repeat("话", 60)
			w := e.doLeave(t, v, doLeaveBody(v.UserID, "0752-2026666", message, "WEB"))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			var m models.LeaveMessage
			require.NoError(t, e.db.Where("user_id = ?", v.UserID).Take(&m).Error)
			require.Equal(t, tc.contact, m.Contact)
			require.Equal(t, "第一行 "+strings.Repeat("话", 46), m.Subject)
			require.Equal(t, message, *m.Content)
		}
	})

	t.Run("empty parameters", func(t *testing.T) {
		before := e.count(t)
		for body, desc := range map[string]string{
			doLeaveBody("visitor-1", "", "请回复电话", "WEB"):         "parameter is empty: caller",
			doLeaveBody("visitor-1", "13866677777", "  ", "WEB"): "parameter is empty: leaveMessage",
			doLeaveBody("visitor-1", "13866677777", "请回复", ""):   "parameter is empty: channel",
			`{}`: "parameter is empty: callId, caller, leaveMessage, channel",
		} {
			requireRefused(t, e.doLeave(t, visitor, body), http.StatusBadRequest, "2", desc)
		}
		require.Equal(t, before, e.count(t))
	})

	t.Run("wrong parameters", func(t *testing.T) {
		before := e.count(t)
		for body, desc := range map[string]string{
			doLeaveBody("visitor-1", "12", "请回复电话", "WEB"):                            "caller must be a phone number",
			doLeaveBody("visitor-1", "call me", "请回复电话", "WEB"):                       "caller must be",
			doLeaveBody("visitor-1", "138--1234", "请回复电话", "WEB"):                     "caller must be",
			doLeaveBody("visitor-1", strings.Repeat("1", 21), "请回复电话", "WEB"):         "caller must be",
			doLeaveBody("visitor-1", "13866677777", "请回复电话", "APP"):                   "channel must be WEB",
			doLeaveBody("visitor-1", "13866677777", strings.Repeat("话", 2001), "WEB"): "leaveMessage must be at most 2000 characters",
			doLeaveBody("visitor-1", "13866677777", "回电😀", "WEB"):                     "leaveMessage must not contain characters beyond U+FFFF",
			`{"callId":1}`: "request body must be a JSON object",
			`not json`:     "request body must be a JSON object",
		} {
			requireRefused(t, e.doLeave(t, visitor, body), http.StatusBadRequest, "3", desc)
		}
		long := demoVisitor(strings.Repeat("v", 51))
		requireRefused(t, e.doLeave(t, long, doLeaveBody(long.UserID, "13866677777", "请回复", "WEB")),
			http.StatusBadRequest, "3", "callId must be at most 50 characters")
		require.Equal(t, before, e.count(t))
	})

	t.Run("another user's callId", func(t *testing.T) {
		before := e.count(t)
		w := e.doLeave(t, visitor, doLeaveBody("visitor-2", "13866677777", "请回复电话", "WEB"))
		requireFailure(t, w, http.StatusForbidden, "the token belongs to another user")
		require.Equal(t, before, e.count(t))
	})

	t.Run("limited per visitor, counting what was saved", func(t *testing.T) {
		v := demoVisitor("visitor-chatty")
		for range 3 {
			requireRefused(t, e.doLeave(t, v, doLeaveBody(v.UserID, "call me", "请回复", "WEB")), http.StatusBadRequest, "3", "caller")
		}
		for i := range doLeaveMessagePerVisitor.burst {
			w := e.doLeave(t, v, doLeaveBody(v.UserID, "13866677777", fmt.Sprintf("留言 %d", i), "WEB"))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		}
		before := e.count(t)
		w := e.doLeave(t, v, doLeaveBody(v.UserID, "13866677777", "还有一条", "WEB"))
		requireRefused(t, w, http.StatusTooManyRequests, "13", "too many requests")
		require.Equal(t, "60", w.Header().Get("Retry-After"))
		require.Equal(t, before, e.count(t))
		other := demoVisitor("visitor-quiet")
		require.Equal(t, http.StatusOK, e.doLeave(t, other, doLeaveBody(other.UserID, "13866677777", "留言", "WEB")).Code, "another visitor is not held up")
	})

	t.Run("no token", func(t *testing.T) {
		w := e.post("/apiaccess/ccmessaging/doLeaveMessage", doLeaveBody("visitor-1", "13866677777", "请回复电话", "WEB"), "", nil)
		requireFailure(t, w, http.StatusUnauthorized, "ccmessaging-token header is required")
	})
}
