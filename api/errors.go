package api

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"
	gomysql "github.com/go-sql-driver/mysql"
	"go.temporal.io/api/serviceerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/leavemsg"
)

// apiError is a failure with the HTTP status and the spec-style envelope it answers with.
type apiError struct {
	status int
	code   string
	desc   string
}

func (e *apiError) Error() string { return e.desc }

func errBadRequest(desc string) error { return &apiError{http.StatusBadRequest, "400", desc} }
func errUnauthorized(desc string) error {
	return &apiError{http.StatusUnauthorized, "401", desc}
}
func errForbidden(desc string) error { return &apiError{http.StatusForbidden, "403", desc} }

// errConflict is a request the resource's present state refuses (409).
func errConflict(desc string) error { return &apiError{http.StatusConflict, "409", desc} }

// errUnavailable marks a failure of a dependency (the database, Temporal)
// that is down, unreachable or too slow: whatever the route family, it is
// answered 503 with Retry-After (retryAfterUnavailable) in the family's own
// envelope, and a client retries the same request. Wrap a dependency's error
// with unavailable(err), or test errors.Is(err, errUnavailable). classify
// also recognises the usual connection failures (isUnavailable) unwrapped.
var errUnavailable = errors.New("service temporarily unavailable, retry")

// unavailable marks err as a dependency failure (see errUnavailable); nil stays nil.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", errUnavailable, err)
}

// retryAfterUnavailable is the Retry-After of a 503, in seconds: short, since
// a database failover or a Temporal restart takes seconds.
const retryAfterUnavailable = 5

// isUnavailable recognises a dependency that is down or too slow rather than
// a request that is wrong: the deadline of a call to it passed, Temporal
// answers Unavailable, or the database connection failed (refused, reset,
// closed, timed out, or SQLite busy past its timeout).
func isUnavailable(err error) bool {
	var tUnavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	var netErr net.Error
	var myErr *gomysql.MySQLError
	var liteErr *sqlite.Error
	switch {
	case errors.Is(err, errUnavailable), errors.Is(err, context.DeadlineExceeded), errors.As(err, &tUnavailable),
		errors.As(err, &exhausted):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, gomysql.ErrInvalidConn),
		errors.As(err, &netErr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return true
	case errors.As(err, &myErr):
		// Server gone away, lost connection, too many connections, lock wait
		// timeout, server shutting down, read only (during a failover).
		switch myErr.Number {
		case 1040, 1053, 1205, 1290, 2006, 2013:
			return true
		}
	case errors.As(err, &liteErr):
		code := liteErr.Code() & 0xff // the primary result code
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	// database/sql's "database is closed" has no exported value: a pool closed
	// under the handler, as in a shutdown.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// fail answers err in the spec 003 envelope, with the resultCode the route's
// spec table defines for it (resultcodes.go).
func fail(c *gin.Context, err error) {
	ae := classify(c, err)
	c.AbortWithStatusJSON(ae.status, gin.H{"resultCode": resultCode(c.FullPath(), ae), "resultDesc": ae.desc})
}

// classify maps any error to the status and text it answers with; this is the
// only place that does, whatever envelope a route family writes it in. The
// cause goes to the access log, never to the caller.
func classify(c *gin.Context, err error) *apiError {
	_ = c.Error(err)
	var ae *apiError
	var refused *admin.Error
	var notFoundErr *serviceerror.NotFound
	switch {
	case errors.As(err, &ae):
		return ae
	case c.Request.Context().Err() == context.Canceled:
		// The client went away (a closed page, an aborted long-poll): nobody
		// reads the answer, and it is no server error.
		return &apiError{statusClientClosed, "499", "request cancelled by the client"}
	case errors.As(err, &refused):
		status := adminStatus(refused.Kind)
		return &apiError{status, strconv.Itoa(status), refused.Msg}
	case errors.Is(err, chat.ErrBadMedia):
		return &apiError{http.StatusBadRequest, "400", err.Error()}
	case errors.Is(err, chat.ErrNotYours):
		return &apiError{http.StatusForbidden, "403", err.Error()}
	case errors.Is(err, chatlog.ErrNotFound):
		return &apiError{http.StatusNotFound, "404", "conversation not found"}
	case errors.Is(err, agents.ErrBadCredentials):
		return &apiError{http.StatusUnauthorized, "401", err.Error()}
	case errors.Is(err, agents.ErrDisabled):
		return &apiError{http.StatusForbidden, "403", err.Error()}
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, chatrecords.ErrNotFound), errors.Is(err, agents.ErrNotFound),
		errors.Is(err, leavemsg.ErrNotFound):
		return &apiError{http.StatusNotFound, "404", err.Error()}
	case errors.As(err, &notFoundErr):
		return &apiError{http.StatusNotFound, "404", "conversation not found"}
	case callError(err) != nil:
		return callError(err)
	case errors.Is(err, chat.ErrConversationClosing):
		c.Header("Retry-After", "1")
		return &apiError{http.StatusServiceUnavailable, "503", chat.ErrConversationClosing.Error() + ", retry"}
	case isUnavailable(err):
		c.Header("Retry-After", strconv.Itoa(retryAfterUnavailable))
		return &apiError{http.StatusServiceUnavailable, "503", errUnavailable.Error()}
	}
	return &apiError{http.StatusInternalServerError, "500", "internal error, request id " + c.GetString(requestIDKey)}
}

// statusClientClosed is nginx's 499, for requests the client abandoned.
const statusClientClosed = 499

// notFound answers a path (or method) no route has, in the envelope of the
// API family whose prefix the path is under, so that a client of one spec
// always reads its own spec's format.
func notFound(c *gin.Context) {
	status := http.StatusNotFound
	if c.Writer.Status() == http.StatusMethodNotAllowed {
		status = http.StatusMethodNotAllowed
	}
	err := &apiError{status, strconv.Itoa(status), http.StatusText(status)}
	path := c.Request.URL.Path
	switch {
	case strings.HasPrefix(path, "/usr/"): // spec 000
		lang, _ := parseGuestLang(c.GetHeader("lang"))
		guestFail(c, lang, err)
	case strings.HasPrefix(path, "/api/group/") || path == "/api/group" || strings.HasPrefix(path, "/index/"): // spec 001
		groupsFail(c, err)
	case strings.HasPrefix(path, "/chat-records/") || path == "/chat-records": // spec 004
		chatFail(c, err)
	case strings.HasPrefix(path, "/api/agent/") || strings.HasPrefix(path, "/api/admin/"):
		jsonFail(c, err) // ccflow's own
	default: // spec 003 (and spec 002's leave message and the web session, which share its envelope)
		fail(c, err)
	}
}

// writeJSON answers 200 with v and reports whether the answer reached the
// connection: false when the client had already left, or the write failed.
func writeJSON(c *gin.Context, v any) bool {
	body, err := json.Marshal(v)
	if err != nil {
		fail(c, err)
		return false
	}
	if c.Request.Context().Err() != nil {
		c.Abort()
		return false
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	c.Writer.Flush()
	// Not the context again: a client that read the answer and closed the
	// connection cancels it too. A failed write is what tells.
	return c.Writer.Size() == len(body)
}
