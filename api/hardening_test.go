package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

// request sends one request from the client address remote with headers.
func request(h http.Handler, method, path, body, remote string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = remote
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestTokenByAkSkLimitsWrongSecretsPerAppKeyAndPerAddress(t *testing.T) {
	db := demoDB(t)
	d := testDeps(db)
	d.Tokens = newTestIssuer(t, db, newTestClock())
	r := NewRouter(d)
	const backend, attacker = "198.51.100.7:5000", "203.0.113.9:5000"
	ok := func(remote string) *httptest.ResponseRecorder {
		return request(r, http.MethodPost, tokenByAkSkPath, akskBody(models.DemoAppKey, models.DemoAppSecret), remote, nil)
	}
	require.Equal(t, http.StatusOK, ok(backend).Code)
	for i := range akskPerAppKey.burst {
		w := request(r, http.MethodPost, tokenByAkSkPath, akskBody(models.DemoAppKey, "guess"), "203.0.113."+strconv.Itoa(10+i)+":1", nil)
		requireFailure(t, w, http.StatusUnauthorized, badCredentials)
	}
	requireFailure(t, ok(attacker), http.StatusTooManyRequests, "too many requests")
	require.Equal(t, http.StatusOK, ok(backend).Code, "the app's own backend keeps its tokens coming")

	// Guessing across app keys from one address is limited per address.
	for i := range akskPerAddr.burst {
		w := request(r, http.MethodPost, tokenByAkSkPath, akskBody("key-"+strconv.Itoa(i), "guess"), attacker, nil)
		requireFailure(t, w, http.StatusUnauthorized, badCredentials)
	}
	w := request(r, http.MethodPost, tokenByAkSkPath, akskBody("key-x", "guess"), attacker, nil)
	requireFailure(t, w, http.StatusTooManyRequests, "too many requests")
	require.Equal(t, "10", w.Header().Get("Retry-After"))
}

func TestUnknownPathsAnswerInTheirFamilysFormat(t *testing.T) {
	r := NewRouter(testDeps(demoDB(t)))
	get := func(method, path string) (int, map[string]any) {
		w := serve(r, method, path, "", nil)
		var body map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), "%s %s: %s", method, path, w.Body.String())
		return w.Code, body
	}
	code, body := get(http.MethodPost, "/usr/guest/message/old")
	require.Equal(t, http.StatusNotFound, code)
	require.EqualValues(t, 404, body["code"], "spec 000's envelope")
	require.Equal(t, "api.response.code.pathNotFound", body["resourceKey"])
	require.Equal(t, false, body["isOK"])
	require.Contains(t, body, "token")

	code, body = get(http.MethodGet, "/usr/guest/message/new")
	require.Equal(t, http.StatusMethodNotAllowed, code)
	require.EqualValues(t, 405, body["code"])

	for _, path := range []string{"/api/group/1/members", "/index/index/away"} {
		code, body = get(http.MethodGet, path)
		require.Equal(t, http.StatusNotFound, code)
		require.Equal(t, map[string]any{"code": float64(1), "msg": []any{}, "message": "Not Found", "errorCode": float64(404)}, body, "spec 001's envelope for %s", path)
	}
	code, body = get(http.MethodGet, "/chat-records/export")
	require.Equal(t, http.StatusNotFound, code)
	require.Equal(t, map[string]any{"result": "error", "message": "Not Found"}, body, "spec 004's envelope")

	code, body = get(http.MethodGet, "/api/agent/v1/nothing")
	require.Equal(t, http.StatusNotFound, code)
	require.Equal(t, "not_found", body["code"], "ccflow's own envelope")

	for _, path := range []string{"/apiaccess/ccmessaging/nothing", "/api/web/v1/nothing", "/api/v2.0/1001/leavemessage"} {
		code, body = get(http.MethodPost, path)
		require.Equal(t, http.StatusNotFound, code)
		require.Equal(t, map[string]any{"resultCode": "404", "resultDesc": "Not Found"}, body, "spec 003's envelope for %s", path)
	}
}

func TestMetricsNeedTheKeyOrADirectLoopbackConnection(t *testing.T) {
	d := testDeps(demoDB(t))
	d.Settings.MetricsKey = "metrics-key-0123456789"
	r := NewRouter(d)
	for name, tc := range map[string]struct {
		remote  string
		headers map[string]string
		want    int
	}{
		"remote without key":      {"203.0.113.9:5000", nil, http.StatusNotFound},
		"remote with wrong key":   {"203.0.113.9:5000", map[string]string{"Authorization": "Bearer nope"}, http.StatusNotFound},
		"remote with key":         {"203.0.113.9:5000", map[string]string{"Authorization": "Bearer metrics-key-0123456789"}, http.StatusOK},
		"loopback":                {"127.0.0.1:5000", nil, http.StatusOK},
		"loopback through proxy":  {"127.0.0.1:5000", map[string]string{"X-Forwarded-For": "203.0.113.9"}, http.StatusNotFound},
		"ipv6 loopback":           {"[::1]:5000", nil, http.StatusOK},
		"private network, no key": {"10.0.0.8:5000", nil, http.StatusNotFound},
	} {
		w := request(r, http.MethodGet, "/metrics", "", tc.remote, tc.headers)
		require.Equal(t, tc.want, w.Code, name)
		if tc.want == http.StatusOK {
			require.Contains(t, w.Body.String(), "# TYPE", name)
		} else {
			require.NotContains(t, w.Body.String(), "# TYPE", name)
		}
	}
	d.Settings.MetricsKey = ""
	d.Metrics = prometheus.NewRegistry()
	r = NewRouter(d)
	require.Equal(t, http.StatusNotFound, request(r, http.MethodGet, "/metrics", "", "203.0.113.9:5000",
		map[string]string{"Authorization": "Bearer "}).Code, "no key configured: only loopback")
}

func TestTrustedProxiesNameTheClientForPerAddressLimits(t *testing.T) {
	const lb = "10.0.0.5:40000"
	groups := func(r *gin.Engine, client string) int {
		return request(r, http.MethodGet, "/api/group/1", "", lb, map[string]string{"X-Forwarded-For": client}).Code
	}
	db := demoDB(t)

	// Behind a load balancer that is not trusted, every client is the balancer.
	r := NewRouter(testDeps(db))
	for range groupsBurst {
		require.Equal(t, http.StatusOK, groups(r, "198.51.100.1"))
	}
	require.Equal(t, http.StatusTooManyRequests, groups(r, "198.51.100.2"), "one bucket for everybody")

	d := testDeps(db)
	d.Settings.TrustedProxies = []string{"10.0.0.0/8"}
	r = NewRouter(d)
	for range groupsBurst {
		require.Equal(t, http.StatusOK, groups(r, "198.51.100.1"))
	}
	require.Equal(t, http.StatusTooManyRequests, groups(r, "198.51.100.1"))
	require.Equal(t, http.StatusOK, groups(r, "198.51.100.2"), "each client behind the trusted balancer has its own bucket")
	// A client that is not a trusted proxy cannot choose its address.
	for range groupsBurst {
		request(r, http.MethodGet, "/api/group/1", "", "203.0.113.9:1", map[string]string{"X-Forwarded-For": "198.51.100.3"})
	}
	require.Equal(t, http.StatusTooManyRequests, request(r, http.MethodGet, "/api/group/1", "", "203.0.113.9:1",
		map[string]string{"X-Forwarded-For": "198.51.100.4"}).Code)
}
