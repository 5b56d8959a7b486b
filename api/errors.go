package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/internal/directory"
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

// fail maps any error to one response; this is the only place that does.
func fail(c *gin.Context, err error) {
	var ae *apiError
	var notFoundErr *serviceerror.NotFound
	var unavailable *serviceerror.Unavailable
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, directory.ErrNotFound):
		ae = &apiError{http.StatusNotFound, "404", err.Error()}
	case errors.As(err, &notFoundErr):
		ae = &apiError{http.StatusNotFound, "404", "conversation not found"}
	case errors.As(err, &unavailable), errors.Is(err, context.DeadlineExceeded):
		ae = &apiError{http.StatusServiceUnavailable, "503", "service temporarily unavailable, retry"}
	default:
		ae = &apiError{http.StatusInternalServerError, "500", "internal error, request id " + c.GetString(requestIDKey)}
	}
	// The cause goes to the access log, never to the caller.
	_ = c.Error(err)
	c.AbortWithStatusJSON(ae.status, gin.H{"resultCode": ae.code, "resultDesc": ae.desc})
}

func notFound(c *gin.Context) {
	status := http.StatusNotFound
	if c.Writer.Status() == http.StatusMethodNotAllowed {
		status = http.StatusMethodNotAllowed
	}
	c.AbortWithStatusJSON(status, gin.H{"resultCode": strconv.Itoa(status), "resultDesc": http.StatusText(status)})
}
