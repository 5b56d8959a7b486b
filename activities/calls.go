package activities

import (
	"context"

	"github.com/ccflow/ccflow/internal/calls"
)

// The call workflow's payloads are the call store's: the workflow decides,
// the store writes.
type (
	// CallStep is a change of a call, written at once.
	CallStep = calls.Step
	// CallEvent is an event for the visitor of a call.
	CallEvent = calls.Event
	// CallNotice is a call's line in its conversation (RC:InfoNtf).
	CallNotice = calls.Notice
)

// Calls are the call workflow's writes. Workflows call its methods through a
// nil *Calls.
type Calls struct {
	Store *calls.Store
}

// CallStep writes one step of a call; it is idempotent on the step's number.
func (a *Calls) CallStep(ctx context.Context, s CallStep) error {
	return a.Store.Apply(ctx, s)
}
