package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/models"
)

const testAdminKey = "test-admin-key-0123456789"

// adminEnv is the full router on the demo data with the admin API on.
type adminEnv struct {
	t      *testing.T
	db     *gorm.DB
	d      Deps
	router *gin.Engine
}

func newAdminEnv(t *testing.T) *adminEnv {
	db := demoDB(t)
	d := testDeps(db)
	d.Tokens = newTestIssuer(t, db, newTestClock())
	d.Agents = &agents.Store{DB: db}
	d.FAQ = faq.NewLibrary(db, time.Hour)
	d.Admin = &admin.Store{DB: db, BcryptCost: bcrypt.MinCost}
	d.AdminKey = testAdminKey
	return &adminEnv{t: t, db: db, d: d, router: NewRouter(d)}
}

// call sends an admin request with the admin key.
func (e *adminEnv) call(method, path, body string) *httptest.ResponseRecorder {
	return serve(e.router, method, "/api/admin/v1"+path, body, map[string]string{"Authorization": "Bearer " + testAdminKey})
}

// ok sends an admin request that must answer status, and decodes its object.
func (e *adminEnv) ok(status int, method, path, body string) map[string]any {
	e.t.Helper()
	w := e.call(method, path, body)
	require.Equal(e.t, status, w.Code, w.Body.String())
	if status == http.StatusNoContent {
		require.Empty(e.t, w.Body.String())
		return nil
	}
	var out map[string]any
	require.NoError(e.t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
	return out
}

// snapshot is every configuration table's content.
func (e *adminEnv) snapshot() string {
	e.t.Helper()
	var all []any
	for _, rows := range []any{
		&[]models.Tenant{}, &[]models.AppKey{}, &[]models.ChannelConfig{}, &[]models.SkillGroup{},
		&[]models.Agent{}, &[]models.AgentSkill{}, &[]models.FAQEntry{}, &[]models.WebhookEndpoint{},
	} {
		require.NoError(e.t, e.db.Find(rows).Error)
		all = append(all, rows)
	}
	b, err := json.Marshal(all)
	require.NoError(e.t, err)
	return string(b)
}

// refused sends a request that must fail with status, code and message, and change nothing.
func (e *adminEnv) refused(status int, code, message, method, path, body string) {
	e.t.Helper()
	before := e.snapshot()
	w := e.call(method, path, body)
	requireAdminError(e.t, w, status, code, message)
	require.Equal(e.t, before, e.snapshot(), "%s %s changed the database", method, path)
}

// requireAdminError checks the {code, message} envelope.
func requireAdminError(t *testing.T, w *httptest.ResponseRecorder, status int, code, message string) {
	t.Helper()
	require.Equal(t, status, w.Code, w.Body.String())
	var got map[string]string
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got), w.Body.String())
	require.Equal(t, map[string]string{"code": code, "message": got["message"]}, got)
	require.Contains(t, got["message"], message)
}

func TestAdminRequiresTheKey(t *testing.T) {
	e := newAdminEnv(t)
	for _, h := range []map[string]string{
		nil,
		{"Authorization": "Bearer wrong-key"},
		{"Authorization": "Basic " + testAdminKey},
		{"Authorization": "Bearer " + testAdminKey + "x"},
		{"X-Admin-Key": "wrong"},
		// A wrong Authorization is not rescued by a right X-Admin-Key.
		{"Authorization": "Bearer wrong", "X-Admin-Key": testAdminKey},
	} {
		w := serve(e.router, http.MethodGet, "/api/admin/v1/tenants", "", h)
		requireAdminError(t, w, http.StatusUnauthorized, "unauthorized", "admin key")
		require.Equal(t, `Bearer realm="ccflow admin"`, w.Header().Get("WWW-Authenticate"))
	}
	before := e.snapshot()
	w := serve(e.router, http.MethodDelete, "/api/admin/v1/faq/1", "", map[string]string{"Authorization": "Bearer nope"})
	require.Equal(t, http.StatusUnauthorized, w.Code)
	require.Equal(t, before, e.snapshot())

	for _, h := range []map[string]string{
		{"Authorization": "Bearer " + testAdminKey},
		{"authorization": "bearer " + testAdminKey},
		{"X-Admin-Key": testAdminKey},
	} {
		w := serve(e.router, http.MethodGet, "/api/admin/v1/tenants", "", h)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	}
}

func TestAdminAPIIsOffWithoutAKey(t *testing.T) {
	e := newAdminEnv(t)
	e.d.AdminKey = ""
	e.d.Metrics = prometheus.NewRegistry()
	r := NewRouter(e.d)
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer "}, {"X-Admin-Key": ""}} {
		w := serve(r, http.MethodGet, "/api/admin/v1/tenants", "", h)
		requireAdminError(t, w, http.StatusNotFound, "not_found", "admin API disabled: set CCFLOW_ADMIN_KEY")
	}
}

func TestAdminTenants(t *testing.T) {
	e := newAdminEnv(t)
	created := e.ok(http.StatusCreated, http.MethodPost, "/tenants",
		`{"id":"shop2","name":"Second Shop","businessId":2,"appId":"2002","vendorId":"shop2","siteId":"web"}`)
	require.Equal(t, "shop2", created["id"])
	require.EqualValues(t, 2, created["businessId"])
	require.NotEmpty(t, created["createdAt"])

	got := e.ok(http.StatusOK, http.MethodGet, "/tenants/shop2", "")
	require.Equal(t, "Second Shop", got["name"])
	updated := e.ok(http.StatusOK, http.MethodPut, "/tenants/shop2", `{"name":"Shop Two","logo":"https://cdn.example.com/2.png"}`)
	require.Equal(t, "Shop Two", updated["name"])
	require.Equal(t, "2002", updated["appId"])

	list := e.ok(http.StatusOK, http.MethodGet, "/tenants?limit=1&offset=1", "")
	require.EqualValues(t, 2, list["total"])
	require.EqualValues(t, 1, list["limit"])
	require.EqualValues(t, 1, list["offset"])
	require.Len(t, list["items"], 1)
	require.Equal(t, "shop2", list["items"].([]any)[0].(map[string]any)["id"])

	// The spec 001 groups API knows the new business at once.
	w := serve(e.router, http.MethodGet, "/api/group/2", "", nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	e.ok(http.StatusNoContent, http.MethodDelete, "/tenants/shop2", "")
	e.refused(http.StatusNotFound, "not_found", "there is no tenant shop2", http.MethodGet, "/tenants/shop2", "")
}

func TestAdminAppKeySecretIsShownOnce(t *testing.T) {
	e := newAdminEnv(t)
	created := e.ok(http.StatusCreated, http.MethodPost, "/app-keys", `{"tenantId":"demo","key":"shop-app","name":"shop app"}`)
	secret, _ := created["secret"].(string)
	require.Regexp(t, `^[0-9a-f]{64}$`, secret)
	require.Equal(t, "shop-app", created["key"])

	// The new key works for spec 003's token exchange at once.
	tokenBody := `{"app_key":"shop-app","app_secret":"` + secret + `"}`
	w := serve(e.router, http.MethodPost, tokenByAkSkPath, tokenBody, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	for _, path := range []string{"/app-keys/shop-app", "/app-keys?tenantId=demo"} {
		w := e.call(http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, w.Code)
		require.NotContains(t, w.Body.String(), "secret")
		require.NotContains(t, w.Body.String(), secret)
		require.NotContains(t, w.Body.String(), models.DemoAppSecret)
	}
	updated := e.call(http.MethodPut, "/app-keys/shop-app", `{"disabled":true}`)
	require.Equal(t, http.StatusOK, updated.Code, updated.Body.String())
	require.NotContains(t, updated.Body.String(), secret)
	require.Contains(t, updated.Body.String(), `"disabled":true`)
	require.Contains(t, updated.Body.String(), `"name":"shop app"`)
	w = serve(e.router, http.MethodPost, tokenByAkSkPath, tokenBody, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code, "a disabled key is refused at once")

	e.ok(http.StatusOK, http.MethodPut, "/app-keys/shop-app", `{"disabled":false}`)
	rotated := e.ok(http.StatusOK, http.MethodPost, "/app-keys/shop-app/rotate", "")
	newSecret, _ := rotated["secret"].(string)
	require.Regexp(t, `^[0-9a-f]{64}$`, newSecret)
	require.NotEqual(t, secret, newSecret)
	require.Equal(t, http.StatusUnauthorized, serve(e.router, http.MethodPost, tokenByAkSkPath, tokenBody, nil).Code, "the old secret is dead")
	w = serve(e.router, http.MethodPost, tokenByAkSkPath, `{"app_key":"shop-app","app_secret":"`+newSecret+`"}`, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	generated := e.ok(http.StatusCreated, http.MethodPost, "/app-keys", `{"tenantId":"demo"}`)
	require.Regexp(t, `^[0-9a-f]{32}$`, generated["key"])

	list := e.ok(http.StatusOK, http.MethodGet, "/app-keys?tenantId=demo", "")
	require.EqualValues(t, 3, list["total"])
	e.ok(http.StatusNoContent, http.MethodDelete, "/app-keys/shop-app", "")
	e.refused(http.StatusNotFound, "not_found", "there is no app key shop-app", http.MethodPost, "/app-keys/shop-app/rotate", "")
	e.refused(http.StatusConflict, "conflict", `app key "demo-app-key" already exists`, http.MethodPost, "/app-keys", `{"tenantId":"demo","key":"demo-app-key"}`)
}

func TestAdminChannelConfigs(t *testing.T) {
	e := newAdminEnv(t)
	created := e.ok(http.StatusCreated, http.MethodPost, "/channel-configs",
		`{"tenantId":"demo","name":"App","defaultSkillGroup":12,"locale":"en","workingHours":"mon-fri 09:00-18:00","timeZone":"Europe/Berlin","robotEnabled":false}`)
	id, _ := created["id"].(string)
	require.Regexp(t, `^[1-9][0-9]{18}$`, id)
	require.Equal(t, false, created["robotEnabled"])
	require.EqualValues(t, 300, created["maxQueueWaitSec"])

	// New conversations read the channel per CONNECT: the change is there at once.
	ch, err := e.d.Directory.Channel(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "en", ch.Locale)
	e.ok(http.StatusOK, http.MethodPut, "/channel-configs/"+id, `{"locale":"zh","maxQueueWaitSec":60}`)
	ch, err = e.d.Directory.Channel(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "zh", ch.Locale)
	require.Equal(t, time.Minute, ch.MaxQueueWait)

	got := e.ok(http.StatusOK, http.MethodGet, "/channel-configs/"+id, "")
	require.Equal(t, "mon-fri 09:00-18:00", got["workingHours"])
	list := e.ok(http.StatusOK, http.MethodGet, "/channel-configs?tenantId=demo", "")
	require.EqualValues(t, 2, list["total"])
	e.ok(http.StatusNoContent, http.MethodDelete, "/channel-configs/"+id, "")
	e.refused(http.StatusNotFound, "not_found", "there is no channel config", http.MethodDelete, "/channel-configs/"+id, "")
}

func TestAdminSkillGroups(t *testing.T) {
	e := newAdminEnv(t)
	created := e.ok(http.StatusCreated, http.MethodPost, "/skill-groups", `{"tenantId":"demo","name":"VIP"}`)
	require.EqualValues(t, 13, created["id"])
	e.ok(http.StatusOK, http.MethodPut, "/skill-groups/13", `{"name":"VIP 客户"}`)
	got := e.ok(http.StatusOK, http.MethodGet, "/skill-groups/13", "")
	require.Equal(t, "VIP 客户", got["name"])

	w := serve(e.router, http.MethodGet, "/api/group/1", "", nil)
	require.Contains(t, w.Body.String(), `{"id":13,"groupname":"VIP 客户"}`, "spec 001's list shows it at once")

	list := e.ok(http.StatusOK, http.MethodGet, "/skill-groups?tenantId=demo", "")
	require.EqualValues(t, 3, list["total"])
	e.ok(http.StatusNoContent, http.MethodDelete, "/skill-groups/13", "")
	e.refused(http.StatusNotFound, "not_found", "there is no skill group 13", http.MethodGet, "/skill-groups/13", "")
}

func TestAdminAgentsNeverShowPasswords(t *testing.T) {
	e := newAdminEnv(t)
	created := e.call(http.MethodPost, "/agents",
		`{"tenantId":"demo","username":"agent3","nickname":"客服3号","password":"agent3-pass","capacity":4,"skillGroups":[12]}`)
	require.Equal(t, http.StatusCreated, created.Code, created.Body.String())
	var a map[string]any
	require.NoError(t, json.Unmarshal(created.Body.Bytes(), &a))
	require.Equal(t, "agent3", a["id"])
	require.Equal(t, []any{float64(12)}, a["skillGroups"])

	var row models.Agent
	require.NoError(t, e.db.Where("id = ?", "agent3").Take(&row).Error)
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte("agent3-pass")))

	// The agent can log in at once.
	w := serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent3","password":"agent3-pass"}`, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	updated := e.call(http.MethodPut, "/agents/agent3", `{"capacity":2,"skillGroups":[11,12],"password":"a-new-password"}`)
	require.Equal(t, http.StatusOK, updated.Code, updated.Body.String())
	require.NoError(t, e.db.Where("id = ?", "agent3").Take(&row).Error)
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte("a-new-password")))
	require.Equal(t, 2, row.Capacity)

	for _, w := range []*httptest.ResponseRecorder{
		created, updated, e.call(http.MethodGet, "/agents/agent3", ""), e.call(http.MethodGet, "/agents?tenantId=demo", ""),
	} {
		require.NotContains(t, strings.ToLower(w.Body.String()), "password")
		require.NotContains(t, w.Body.String(), "$2a$")
	}
	list := e.ok(http.StatusOK, http.MethodGet, "/agents?tenantId=demo&limit=2", "")
	require.EqualValues(t, 3, list["total"])
	require.Len(t, list["items"], 2)

	e.ok(http.StatusNoContent, http.MethodDelete, "/agents/agent3", "")
	w = serve(e.router, http.MethodPost, "/api/agent/v1/login", `{"username":"agent3","password":"a-new-password"}`, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code, "a deleted agent cannot log in")
	e.refused(http.StatusNotFound, "not_found", "there is no agent agent3", http.MethodGet, "/agents/agent3", "")
}

func TestAdminFAQEditsReachTheRobotAtOnce(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	before, err := e.d.FAQ.Suggest(ctx, models.DemoTenantID, "货到付款", 0)
	require.NoError(t, err)
	require.Empty(t, before, "cached now, for an hour")

	created := e.ok(http.StatusCreated, http.MethodPost, "/faq", `{"tenantId":"demo","question":"支持货到付款吗","answer":"支持。","keywords":"货到付款"}`)
	id := jsonString(t, created["id"])
	got, err := e.d.FAQ.Suggest(ctx, models.DemoTenantID, "货到付款", 0)
	require.NoError(t, err)
	require.Equal(t, []string{"支持货到付款吗"}, got)

	e.ok(http.StatusOK, http.MethodPut, "/faq/"+id, `{"question":"可以货到付款吗"}`)
	got, err = e.d.FAQ.Suggest(ctx, models.DemoTenantID, "货到付款", 0)
	require.NoError(t, err)
	require.Equal(t, []string{"可以货到付款吗"}, got)
	entry := e.ok(http.StatusOK, http.MethodGet, "/faq/"+id, "")
	require.Equal(t, "支持。", entry["answer"])
	list := e.ok(http.StatusOK, http.MethodGet, "/faq?tenantId=demo&offset=16", "")
	require.EqualValues(t, 20, list["total"])
	require.Len(t, list["items"], 4)

	e.ok(http.StatusNoContent, http.MethodDelete, "/faq/"+id, "")
	got, err = e.d.FAQ.Suggest(ctx, models.DemoTenantID, "货到付款", 0)
	require.NoError(t, err)
	require.Empty(t, got)
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestAdminWebhookSecretIsShownOnce(t *testing.T) {
	e := newAdminEnv(t)
	created := e.ok(http.StatusCreated, http.MethodPost, "/webhooks", `{"tenantId":"demo","url":"https://hooks.example.com/ccflow"}`)
	secret, _ := created["secret"].(string)
	require.Regexp(t, `^[0-9a-f]{64}$`, secret)
	require.Equal(t, true, created["enabled"])
	id := jsonString(t, created["id"])

	for _, w := range []*httptest.ResponseRecorder{
		e.call(http.MethodGet, "/webhooks/"+id, ""), e.call(http.MethodGet, "/webhooks?tenantId=demo", ""),
		e.call(http.MethodPut, "/webhooks/"+id, `{"enabled":false}`),
	} {
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.NotContains(t, w.Body.String(), "secret")
		require.NotContains(t, w.Body.String(), secret)
	}
	rotated := e.ok(http.StatusOK, http.MethodPost, "/webhooks/"+id+"/rotate", "")
	require.NotEqual(t, secret, rotated["secret"])
	require.Equal(t, false, rotated["enabled"])
	e.ok(http.StatusNoContent, http.MethodDelete, "/webhooks/"+id, "")
	e.refused(http.StatusNotFound, "not_found", "there is no webhook", http.MethodGet, "/webhooks/"+id, "")
}
