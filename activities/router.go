package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/routing"
)

// Router delivers conversations' requests to their tenant's routing
// workflow, starting that workflow when it is not running: routing needs no
// setup step, and a tenant created by the admin API routes at once.
//
// Requests are sent in batches, group-commit style: a request finding no
// signal in flight to its tenant goes at once, alone; requests arriving while
// one is in flight wait for it and then go together in the next signal. Every
// signal to routing is a write to one workflow, serialized with all the
// others, so 50 visitors transferring together cost a few signals instead of
// 50 in a row, and a lone request waits for nothing.
type Router struct {
	Client client.Client
	// TaskQueue is where the routing workflow runs.
	TaskQueue string

	mu      sync.Mutex
	tenants map[string]*mailbox
}

// maxBatch bounds one signal's requests (a few hundred bytes each), far
// below Temporal's payload limit.
const maxBatch = 200

// sendTimeout bounds one batch signal; the requests' own local activities
// retry after a failure.
const sendTimeout = 10 * time.Second

// RouteNotice is one request of a conversation to routing: exactly one of
// Enqueue and Leave is set.
type RouteNotice struct {
	TenantID string
	Enqueue  *routing.Entry
	Leave    *routing.Leave
}

// mailbox is one tenant's requests waiting for the signal in flight. A
// mailbox exists only while its sender runs: the sender drops it from the
// map once nothing is pending.
type mailbox struct {
	pending []routing.Request
	waiters []chan error
}

// Notify sends the request to the tenant's routing workflow, starting it if
// needed, and returns once it is in routing's history. Routing ignores a
// request it has already applied, so a retry is harmless.
func (r *Router) Notify(ctx context.Context, n RouteNotice) error {
	var q routing.Request
	switch {
	case n.Enqueue != nil:
		q.Enqueue = n.Enqueue
	case n.Leave != nil:
		q.Leave = n.Leave
	default:
		return errors.New("empty routing notice")
	}
	done := make(chan error, 1)
	r.mu.Lock()
	if r.tenants == nil {
		r.tenants = map[string]*mailbox{}
	}
	m := r.tenants[n.TenantID]
	if m == nil {
		m = &mailbox{}
		r.tenants[n.TenantID] = m
		go r.send(n.TenantID, m)
	}
	m.pending = append(m.pending, q)
	m.waiters = append(m.waiters, done)
	r.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// The request may still arrive; its retry is then a repeat routing ignores.
		return ctx.Err()
	}
}

// send signals the tenant's pending requests, a batch at a time, until none
// is left; then the mailbox is dropped, so idle tenants cost nothing.
func (r *Router) send(tenantID string, m *mailbox) {
	for {
		r.mu.Lock()
		if len(m.pending) == 0 {
			delete(r.tenants, tenantID)
			r.mu.Unlock()
			return
		}
		n := min(len(m.pending), maxBatch)
		batch, waiters := m.pending[:n:n], m.waiters[:n:n]
		m.pending, m.waiters = m.pending[n:], m.waiters[n:]
		r.mu.Unlock()

		err := r.signal(tenantID, batch)
		for _, w := range waiters {
			w <- err
		}
	}
}

// signal sends one batch, with a context of its own: the batch carries
// other conversations' requests, whose callers may still wait.
func (r *Router) signal(tenantID string, batch []routing.Request) error {
	ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
	defer cancel()
	id := routing.WorkflowID(tenantID)
	_, err := r.Client.SignalWithStartWorkflow(ctx, id, routing.SignalRequests, routing.Requests{Items: batch},
		routing.StartOptions(tenantID, r.TaskQueue), routing.WorkflowName, routing.State{TenantID: tenantID})
	if err != nil {
		return fmt.Errorf("signal %d requests to %s: %w", len(batch), id, err)
	}
	return nil
}
