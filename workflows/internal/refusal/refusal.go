// Package refusal is how a workflow refuses an update (a validator or a
// handler saying no): a non-retryable application error of the workflow's
// own type, which its callers recognise and turn into their answer.
package refusal

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

// New is a refusal of type typ with the reason desc.
func New(typ, desc string) error {
	return temporal.NewApplicationErrorWithOptions(desc, typ, temporal.ApplicationErrorOptions{NonRetryable: true})
}

// Reason returns the reason of a refusal of type typ found in err's chain.
func Reason(err error, typ string) (string, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != typ {
		return "", false
	}
	return appErr.Message(), true
}
