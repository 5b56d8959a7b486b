package api

import (
	"errors"
	"net/http"

	"github.com/ccflow/ccflow/internal/calls"
	"github.com/ccflow/ccflow/internal/clicktocall"
	"github.com/ccflow/ccflow/internal/outbound"
)

// callError maps the click-to-call errors to their answers (classify calls
// it); nil when err is none of them.
func callError(err error) *apiError {
	var invalid *calls.InvalidError
	var refused *clicktocall.RefusedError
	var badTrunk *outbound.InvalidTrunkError
	switch {
	case errors.Is(err, calls.ErrNotFound):
		return &apiError{http.StatusNotFound, "404", "call not found (or ended)"}
	case errors.Is(err, calls.ErrNoChannel), errors.Is(err, outbound.ErrNoTenant):
		return &apiError{http.StatusNotFound, "404", err.Error()}
	case errors.As(err, &invalid):
		return &apiError{http.StatusBadRequest, "400", invalid.Msg}
	case errors.As(err, &badTrunk):
		return &apiError{http.StatusBadRequest, "400", badTrunk.Msg}
	case errors.As(err, &refused):
		return &apiError{http.StatusConflict, "409", refused.Reason}
	case errors.Is(err, clicktocall.ErrNotYours):
		return &apiError{http.StatusForbidden, "403", err.Error()}
	}
	return nil
}
