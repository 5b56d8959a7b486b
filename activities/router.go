package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/routing"
)

// Router delivers a conversation's requests to its tenant's routing
// workflow, starting that workflow when it is not running: routing needs no
// setup step, and a tenant created by the admin API routes at once.
type Router struct {
	Client client.Client
	// TaskQueue is where the routing workflow runs.
	TaskQueue string
}

// RouteNotice is one request of a conversation to routing: exactly one of
// Enqueue and Leave is set.
type RouteNotice struct {
	TenantID string
	Enqueue  *routing.Entry
	Leave    *routing.Leave
}

// Notify signals the tenant's routing workflow, starting it if needed.
// Routing ignores a request it has already applied, so a retry is harmless.
func (r *Router) Notify(ctx context.Context, n RouteNotice) error {
	var name string
	var arg any
	switch {
	case n.Enqueue != nil:
		name, arg = routing.SignalEnqueue, *n.Enqueue
	case n.Leave != nil:
		name, arg = routing.SignalLeave, *n.Leave
	default:
		return errors.New("empty routing notice")
	}
	id := routing.WorkflowID(n.TenantID)
	_, err := r.Client.SignalWithStartWorkflow(ctx, id, name, arg,
		routing.StartOptions(n.TenantID, r.TaskQueue), routing.WorkflowName, routing.State{TenantID: n.TenantID})
	if err != nil {
		return fmt.Errorf("signal %s to %s: %w", name, id, err)
	}
	return nil
}
