package api

import (
	"errors"

	"go.temporal.io/api/serviceerror"
)

// isGone recognises a workflow that does not exist or has already completed:
// the server answers both with NotFound.
func isGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
