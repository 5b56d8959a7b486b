package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	gomysql "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
)

func TestDependencyFailuresAnswer503WithRetryAfterInEveryFamilysEnvelope(t *testing.T) {
	causes := map[string]error{
		"wrapped":          unavailable(errors.New("routing workflow not ready")),
		"deadline":         fmt.Errorf("query workflow: %w", context.DeadlineExceeded),
		"temporal":         serviceerror.NewUnavailable("frontend down"),
		"temporal busy":    fmt.Errorf("agent status: %w", serviceerror.NewResourceExhausted(0, "limit on number of concurrent in-flight updates has been reached")),
		"refused":          fmt.Errorf("look up app key: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}),
		"mysql gone away":  fmt.Errorf("read: %w", &gomysql.MySQLError{Number: 2006, Message: "MySQL server has gone away"}),
		"mysql bad conn":   gomysql.ErrInvalidConn,
		"pool closed":      errors.New("look up app key: sql: database is closed"),
		"mysql lock wait":  &gomysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"},
		"unwrapped target": errUnavailable,
	}
	families := map[string]func(*gin.Context, error){
		"spec 003":     fail,
		"agent, admin": jsonFail,
		"spec 004":     chatFail,
		"spec 001":     groupsFail,
		"spec 000":     func(c *gin.Context, err error) { guestFail(c, langEnUS, err) },
	}
	for cname, cause := range causes {
		for fname, answer := range families {
			r := gin.New()
			r.GET("/", func(c *gin.Context) { answer(c, cause) })
			w := serve(r, http.MethodGet, "/", "", nil)
			require.Equal(t, http.StatusServiceUnavailable, w.Code, "%s in %s: %s", cname, fname, w.Body.String())
			require.Equal(t, "5", w.Header().Get("Retry-After"), "%s in %s", cname, fname)
			var body map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), fname)
			require.NotContains(t, w.Body.String(), "gone away", "the cause stays in the log")
			switch fname {
			case "spec 003":
				require.Equal(t, "503", body["resultCode"])
			case "agent, admin":
				require.Equal(t, "unavailable", body["code"])
			case "spec 004":
				require.Equal(t, "error", body["result"])
			case "spec 001":
				require.EqualValues(t, 503, body["errorCode"])
			case "spec 000":
				require.EqualValues(t, 503, body["code"])
				require.Equal(t, "api.response.code.serverError", body["resourceKey"])
			}
		}
	}
	r := gin.New()
	r.GET("/", func(c *gin.Context) { fail(c, errors.New("a bug")) })
	w := serve(r, http.MethodGet, "/", "", nil)
	require.Equal(t, http.StatusInternalServerError, w.Code, "anything else is still a 500")
	require.Empty(t, w.Header().Get("Retry-After"))
	require.NoError(t, unavailable(nil))
}

func TestAuthenticatedCustomersGetThroughADatabaseOutage(t *testing.T) {
	db := demoDB(t)
	clock := newTestClock()
	d := testDeps(db)
	iss := newTestIssuer(t, db, clock)
	auth := newAuthenticator(d, iss, nil)
	r := gin.New()
	r.POST("/full", auth.visitor(visitorOpts{appAuth: true}), func(c *gin.Context) { c.String(http.StatusOK, visitorFrom(c).UserID) })
	r.POST("/token-only", auth.visitor(visitorOpts{}), func(c *gin.Context) { c.String(http.StatusOK, visitorFrom(c).UserID) })
	headers := visitorHeaders(t, iss, demoVisitor("visitor-1"))
	tokenOnly := map[string]string{VisitorTokenHeader: headers[VisitorTokenHeader]}
	for _, path := range []string{"/full", "/token-only"} {
		w := serve(r, http.MethodPost, path, "", headers)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}

	sqlDB, err := db.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
	w := serve(r, http.MethodPost, "/full", "", headers)
	require.Equal(t, http.StatusOK, w.Code, "valid tokens of a key read before the outage still authenticate: %s", w.Body.String())
	w = serve(r, http.MethodPost, "/token-only", "", tokenOnly)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	other := demoVisitor("visitor-2")
	other.AppKey = "never-seen-key"
	w = serve(r, http.MethodPost, "/token-only", "", map[string]string{VisitorTokenHeader: visitorHeaders(t, iss, other)[VisitorTokenHeader]})
	require.Equal(t, http.StatusServiceUnavailable, w.Code, "a key never read cannot be vouched for: retry later, %s", w.Body.String())
	require.Equal(t, "5", w.Header().Get("Retry-After"))
}
