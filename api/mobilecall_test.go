package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/internal/outboundcall"
	"github.com/ccflow/ccflow/models"
	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// fakeOutboundFlows stands in for the outbound call workflow.
type fakeOutboundFlows struct {
	mu       sync.Mutex
	starts   []flow.Start
	startErr error
}

func (f *fakeOutboundFlows) Start(_ context.Context, in flow.Start) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, in)
	return f.startErr
}

func (f *fakeOutboundFlows) Dial(context.Context, string) error { return nil }

func (f *fakeOutboundFlows) Answered(context.Context, string) error { return nil }

func (f *fakeOutboundFlows) Ended(context.Context, string, flow.LegEnded) error { return nil }

type outboundEnv struct {
	t      *testing.T
	db     *gorm.DB
	router *gin.Engine
	flows  *fakeOutboundFlows
	app    map[string]string
}

var testSIPSettings = outboundcall.Settings{
	Enabled: true, ServiceAddress: "203.0.113.7:5060", TrunkConfigured: true, AccessCodePrefix: "1790",
	DefaultCaller: "95500", AccessCodeTTL: 2 * time.Minute, DialTimeout: time.Minute, MaxDuration: time.Hour,
}

func newOutboundEnv(t *testing.T, settings outboundcall.Settings) *outboundEnv {
	db := demoDB(t)
	d := testDeps(db)
	d.Tokens = newTestIssuer(t, db, newTestClock())
	d.AdminKey = testAdminKey
	d.Admin = &admin.Store{DB: db}
	e := &outboundEnv{t: t, db: db, flows: &fakeOutboundFlows{}}
	d.OutboundStore = &outbound.Store{DB: db}
	d.Outbound = &outboundcall.Service{Store: d.OutboundStore, Flows: e.flows, Settings: settings}
	d.SIP = SIPInfo{Enabled: true, ListenAddr: "0.0.0.0:5060", ServiceAddress: "203.0.113.7:5060", Transport: "udp",
		TrunkAddr: "198.51.100.1:5060", TrunkUsername: "ccflow", TrunkPasswordSet: true}
	e.router = NewRouter(d)
	h := visitorHeaders(t, d.Tokens, demoVisitor("visitor-1"))
	e.app = map[string]string{appKeyHeader: h[appKeyHeader], authorizationHeader: h[authorizationHeader]}
	return e
}

func (e *outboundEnv) create(body string) *httptest.ResponseRecorder {
	return serve(e.router, http.MethodPost, "/apiaccess/ccmessaging/v1/mobileagent/createcall", body, e.app)
}

func (e *outboundEnv) admin(method, path, body string) *httptest.ResponseRecorder {
	return serve(e.router, method, "/api/admin/v1/"+path, body, map[string]string{"Authorization": "Bearer " + testAdminKey})
}

func (e *outboundEnv) enable(on bool) {
	body := `{"enabled":false}`
	if on {
		body = `{"enabled":true}`
	}
	w := e.admin(http.MethodPut, "tenants/"+models.DemoTenantID+"/outbound-calls", body)
	require.Equal(e.t, http.StatusOK, w.Code, w.Body.String())
}

func (e *outboundEnv) rows() []models.OutboundCall {
	var out []models.OutboundCall
	require.NoError(e.t, e.db.Find(&out).Error)
	return out
}

// createResult is spec 003 table 16-3.
type createResult struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
	ResultData *struct {
		CallSerialNo      string `json:"callSerialNo"`
		SIPServiceAddress string `json:"sipServiceAddress"`
		AccessCode        string `json:"accesscode"`
	} `json:"resultData"`
}

func decodeCreate(t *testing.T, w *httptest.ResponseRecorder) createResult {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var r createResult
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &r))
	return r
}

func TestCreateCallPlacesAnOutboundCall(t *testing.T) {
	e := newOutboundEnv(t, testSIPSettings)
	r := decodeCreate(t, e.create(`{"called":"88884432","callData":"1","callerPresent":"95599"}`))
	require.Equal(t, "3001000001", r.ResultCode, "the tenant has outbound calls off until the admin turns them on")
	require.Equal(t, outboundcall.DescTenantOff, r.ResultDesc)
	require.Nil(t, r.ResultData)
	require.Empty(t, e.rows())

	e.enable(true)
	r = decodeCreate(t, e.create(`{"called":"88884432","callData":"1","callerPresent":"95599"}`))
	require.Equal(t, "0", r.ResultCode)
	require.Equal(t, "Success", r.ResultDesc)
	require.NotNil(t, r.ResultData)
	require.Equal(t, "203.0.113.7:5060", r.ResultData.SIPServiceAddress)
	require.Regexp(t, `^1790[0-9]{12}$`, r.ResultData.AccessCode, "the access code prefix and 12 random digits")
	require.Regexp(t, `^[0-9]{20}$`, r.ResultData.CallSerialNo)

	rows := e.rows()
	require.Len(t, rows, 1)
	row := rows[0]
	require.Equal(t, r.ResultData.CallSerialNo, row.CallSerialNo)
	require.Equal(t, models.DemoTenantID, row.TenantID)
	require.Equal(t, models.DemoAppKey, row.AppKey)
	require.Equal(t, "88884432", row.Called)
	require.Equal(t, "95599", row.CallerPresent)
	require.Equal(t, "1", row.CallData)
	require.Equal(t, "REQUESTED", row.State)
	require.Equal(t, r.ResultData.AccessCode, *row.AccessCode)
	require.WithinDuration(t, time.Now().Add(2*time.Minute), row.ExpiresAt, 10*time.Second)
	require.Equal(t, []flow.Start{{CallSerialNo: row.CallSerialNo, AccessCodeTTL: 2 * time.Minute, DialTimeout: time.Minute, MaxDuration: time.Hour}}, e.flows.starts)

	r2 := decodeCreate(t, e.create(`{"called":"+8613800000000"}`))
	require.Equal(t, "0", r2.ResultCode)
	require.NotEqual(t, r.ResultData.AccessCode, r2.ResultData.AccessCode, "every call has its own code")
	var second models.OutboundCall
	require.NoError(t, e.db.Where("call_serial_no = ?", r2.ResultData.CallSerialNo).Take(&second).Error)
	require.Equal(t, "95500", second.CallerPresent, "without callerPresent the platform's default caller is presented")

	e.enable(false)
	r = decodeCreate(t, e.create(`{"called":"88884432"}`))
	require.Equal(t, "3001000001", r.ResultCode)
}

func TestCreateCallResultCodes(t *testing.T) {
	off := testSIPSettings
	off.Enabled = false
	e := newOutboundEnv(t, off)
	e.enable(true)
	r := decodeCreate(t, e.create(`{"called":"88884432"}`))
	require.Equal(t, "3001000001", r.ResultCode, "the SIP service is off")
	require.Equal(t, outboundcall.DescOff, r.ResultDesc)

	noTrunk := testSIPSettings
	noTrunk.TrunkConfigured = false
	e = newOutboundEnv(t, noTrunk)
	e.enable(true)
	r = decodeCreate(t, e.create(`{"called":"88884432"}`))
	require.Equal(t, "3001000002", r.ResultCode, "no SIP trunk to place the call through")
	require.Empty(t, e.rows())

	e = newOutboundEnv(t, testSIPSettings)
	e.enable(true)
	for _, body := range []string{`{}`, `{"called":""}`, `{"called":"12"}`, `{"called":"88-88"}`, `{"called":"+"}`,
		`{"called":"88884432","callerPresent":"95599x"}`, `{"called":"88884432","callerPresent":"` + strings.Repeat("9", 33) + `"}`,
		`{"called":"88884432","callData":"` + strings.Repeat("a", 1025) + `"}`, `{"called":8888}`, `nope`, `[]`} {
		w := e.create(body)
		require.Equal(t, http.StatusBadRequest, w.Code, body)
		code, _ := envelope(t, w)
		require.Equal(t, "3001000003", code, body)
	}
	require.Empty(t, e.rows(), "bad input changes nothing")
	require.Empty(t, e.flows.starts)

	e.flows.startErr = unavailable(context.DeadlineExceeded)
	w := e.create(`{"called":"88884432"}`)
	require.Equal(t, http.StatusServiceUnavailable, w.Code, "Temporal down")
	require.NotEmpty(t, w.Header().Get("Retry-After"))
	code, _ := envelope(t, w)
	require.Equal(t, "30010009999", code)

	w = serve(e.router, http.MethodPost, "/apiaccess/ccmessaging/v1/mobileagent/createcall", `{"called":"88884432"}`, map[string]string{appKeyHeader: e.app[appKeyHeader]})
	require.Equal(t, http.StatusUnauthorized, w.Code)
	w = serve(e.router, http.MethodPost, "/apiaccess/ccmessaging/v1/mobileagent/createcall", `{"called":"88884432"}`,
		map[string]string{appKeyHeader: e.app[appKeyHeader], authorizationHeader: "Bearer nope"})
	require.Equal(t, http.StatusUnauthorized, w.Code)
}

func TestAdminSIPSettings(t *testing.T) {
	e := newOutboundEnv(t, testSIPSettings)
	w := e.admin(http.MethodGet, "sip", "")
	require.Equal(t, http.StatusOK, w.Code)
	require.NotContains(t, w.Body.String(), "password\":\"", "the trunk's password is never returned")
	var info SIPInfo
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &info))
	require.True(t, info.TrunkPasswordSet)
	require.Equal(t, "198.51.100.1:5060", info.TrunkAddr)

	w = e.admin(http.MethodGet, "tenants/"+models.DemoTenantID+"/outbound-calls", "")
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"tenantId":"`+models.DemoTenantID+`","enabled":false}`, w.Body.String())
	e.enable(true)
	w = e.admin(http.MethodGet, "tenants/"+models.DemoTenantID+"/outbound-calls", "")
	require.JSONEq(t, `{"tenantId":"`+models.DemoTenantID+`","enabled":true}`, w.Body.String())

	for _, body := range []string{`{}`, `{"enabled":"yes"}`, `{"enabled":true,"x":1}`, `nope`} {
		w = e.admin(http.MethodPut, "tenants/"+models.DemoTenantID+"/outbound-calls", body)
		require.Equal(t, http.StatusBadRequest, w.Code, body)
	}
	w = e.admin(http.MethodGet, "tenants/nobody/outbound-calls", "")
	require.Equal(t, http.StatusNotFound, w.Code)
	w = e.admin(http.MethodPut, "tenants/nobody/outbound-calls", `{"enabled":true}`)
	require.Equal(t, http.StatusNotFound, w.Code)
	w = serve(e.router, http.MethodGet, "/api/admin/v1/sip", "", nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
}
