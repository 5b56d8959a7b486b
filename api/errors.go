package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

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

// fail answers err in the spec 003 envelope.
func fail(c *gin.Context, err error) {
	ae := classify(c, err)
	c.AbortWithStatusJSON(ae.status, gin.H{"resultCode": ae.code, "resultDesc": ae.desc})
}

// classify maps any error to the status and text it answers with; this is the
// only place that does, whatever envelope a route family writes it in. The
// cause goes to the access log, never to the caller.
func classify(c *gin.Context, err error) *apiError {
	_ = c.Error(err)
	var ae *apiError
	var refused *admin.Error
	var notFoundErr *serviceerror.NotFound
	var unavailable *serviceerror.Unavailable
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
	case errors.Is(err, chat.ErrNotYours):
		return &apiError{http.StatusForbidden, "403", err.Error()}
	case errors.Is(err, chatlog.ErrNotFound):
		return &apiError{http.StatusNotFound, "404", "conversation not found"}
	case errors.Is(err, agents.ErrBadCredentials):
		return &apiError{http.StatusUnauthorized, "401", err.Error()}
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, chatrecords.ErrNotFound), errors.Is(err, agents.ErrNotFound),
		errors.Is(err, leavemsg.ErrNotFound):
		return &apiError{http.StatusNotFound, "404", err.Error()}
	case errors.As(err, &notFoundErr):
		return &apiError{http.StatusNotFound, "404", "conversation not found"}
	case errors.As(err, &unavailable), errors.Is(err, context.DeadlineExceeded):
		return &apiError{http.StatusServiceUnavailable, "503", "service temporarily unavailable, retry"}
	}
	return &apiError{http.StatusInternalServerError, "500", "internal error, request id " + c.GetString(requestIDKey)}
}

// statusClientClosed is nginx's 499, for requests the client abandoned.
const statusClientClosed = 499

func notFound(c *gin.Context) {
	status := http.StatusNotFound
	if c.Writer.Status() == http.StatusMethodNotAllowed {
		status = http.StatusMethodNotAllowed
	}
	c.AbortWithStatusJSON(status, gin.H{"resultCode": strconv.Itoa(status), "resultDesc": http.StatusText(status)})
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
	return c.Request.Context().Err() == nil && c.Writer.Size() == len(body)
}
