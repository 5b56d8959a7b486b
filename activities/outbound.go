package activities

import (
	"context"

	"github.com/ccflow/ccflow/internal/outbound"
)

// OutboundStep is a change of an outbound call, written at once; the
// outbound call workflow decides it, the outbound store writes it.
type OutboundStep = outbound.Step

// Outbound are the outbound call workflow's writes. Workflows call its
// methods through a nil *Outbound.
type Outbound struct {
	Store *outbound.Store
}

// OutboundStep writes one step of an outbound call; it is idempotent on the
// step's number.
func (a *Outbound) OutboundStep(ctx context.Context, s OutboundStep) error {
	return a.Store.Apply(ctx, s)
}
