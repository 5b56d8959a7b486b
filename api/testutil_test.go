package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// testClock is a settable time source for a token.Issuer, so tests can step past expiries.
type testClock struct{ at time.Time }

func (c *testClock) now() time.Time          { return c.at }
func (c *testClock) advance(d time.Duration) { c.at = c.at.Add(d) }
func newTestClock() *testClock               { return &testClock{at: time.Now().UTC().Truncate(time.Second)} }
func (c *testClock) option() token.Option    { return token.WithClock(c.now) }

// demoDB is a migrated SQLite database with the demo tenant loaded.
func demoDB(t testing.TB) *gorm.DB {
	t.Helper()
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(context.Background(), db)
	require.NoError(t, err)
	return db
}

// testDeps is a Deps for handler tests: a real directory on db, no Temporal.
func testDeps(db *gorm.DB) Deps {
	return Deps{
		Logger:    slog.New(slog.DiscardHandler),
		Metrics:   prometheus.NewRegistry(),
		Directory: &directory.Directory{DB: db},
	}
}

// newTestIssuer is an issuer on db driven by clock.
func newTestIssuer(t testing.TB, db *gorm.DB, clock *testClock) *token.Issuer {
	t.Helper()
	iss, err := token.NewIssuer(context.Background(), db, clock.option())
	require.NoError(t, err)
	return iss
}

// demoVisitor is the claims applyToken would grant userID on the demo channel.
func demoVisitor(userID string) token.VisitorClaims {
	return token.VisitorClaims{
		TenantID: models.DemoTenantID, AppKey: models.DemoAppKey, ChannelConfigID: models.DemoChannelConfigID,
		UserID: userID, UserName: "Ann", Locale: "zh",
	}
}

// visitorHeaders are the three headers of a fully authenticated customer call
// for claims, signed by iss.
func visitorHeaders(t testing.TB, iss *token.Issuer, claims token.VisitorClaims) map[string]string {
	t.Helper()
	access, _, _, err := iss.IssueAccess(claims.AppKey, claims.TenantID, 10*time.Minute)
	require.NoError(t, err)
	vis, err := iss.IssueVisitor(claims, token.VisitorTTL)
	require.NoError(t, err)
	return map[string]string{
		appKeyHeader: claims.AppKey, authorizationHeader: "Bearer " + access, VisitorTokenHeader: vis,
	}
}

// serve runs one request through h; body may be empty.
func serve(h http.Handler, method, path, body string, headers map[string]string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// envelope decodes the spec's {resultCode, resultDesc} answer.
func envelope(t *testing.T, w *httptest.ResponseRecorder) (code, desc string) {
	t.Helper()
	var e struct {
		ResultCode string `json:"resultCode"`
		ResultDesc string `json:"resultDesc"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
	return e.ResultCode, e.ResultDesc
}

// requireFailure checks an error answer's status, code and that its description contains desc.
func requireFailure(t *testing.T, w *httptest.ResponseRecorder, status int, desc string) {
	t.Helper()
	require.Equal(t, status, w.Code, w.Body.String())
	code, got := envelope(t, w)
	require.Contains(t, failureCodesFor(status), code, "resultCode of a %d: %s", status, got)
	require.Contains(t, got, desc)
}

// failureCodesFor lists the resultCodes a failure with status may answer:
// the status itself, or a code a spec 003 table gives it (resultcodes.go;
// TestResultCodesPerOperation pins each route's).
func failureCodesFor(status int) []string {
	out := []string{strconv.Itoa(status)}
	for _, codes := range resultCodes {
		code, ok := codes.byStatus[status]
		if !ok {
			code = codes.failed
		}
		out = append(out, code)
	}
	return out
}
