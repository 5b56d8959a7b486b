package activities

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/routing"
)

// signals is a Temporal client that records SignalWithStartWorkflow calls
// and holds each until the test releases it.
type signals struct {
	client.Client
	mu      sync.Mutex
	batches [][]routing.Request
	ids     []string
	arrived chan struct{}
	release chan error
}

func (s *signals) SignalWithStartWorkflow(_ context.Context, id, name string, arg any, _ client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	if name != routing.SignalRequests {
		return nil, errors.New("unexpected signal " + name)
	}
	s.mu.Lock()
	s.batches = append(s.batches, arg.(routing.Requests).Items)
	s.ids = append(s.ids, id)
	s.mu.Unlock()
	s.arrived <- struct{}{}
	return nil, <-s.release
}

func (s *signals) sizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n []int
	for _, b := range s.batches {
		n = append(n, len(b))
	}
	return n
}

func enqueueNotice(tenant, conv string) RouteNotice {
	return RouteNotice{TenantID: tenant, Enqueue: &routing.Entry{ConversationID: conv, Ticket: 1}}
}

func TestRouterSendsALoneRequestAtOnceAndTheRestTogether(t *testing.T) {
	s := &signals{arrived: make(chan struct{}, 10), release: make(chan error)}
	r := &Router{Client: s, TaskQueue: "q"}
	ctx := context.Background()

	results := make(chan error, 10)
	go func() { results <- r.Notify(ctx, enqueueNotice("demo", "c0")) }()
	<-s.arrived // c0's signal is in flight, alone
	for i := 1; i <= 5; i++ {
		go func() { results <- r.Notify(ctx, enqueueNotice("demo", "c"+string(rune('0'+i)))) }()
	}
	require.Eventually(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.tenants["demo"].pending) == 5
	}, 10*time.Second, time.Millisecond, "the five wait for the signal in flight")
	s.release <- nil
	require.NoError(t, <-results, "c0 returns once its signal is in")
	<-s.arrived
	s.release <- nil
	for range 5 {
		require.NoError(t, <-results)
	}
	require.Equal(t, []int{1, 5}, s.sizes(), "one signal for the lone request, one for the five")
	require.Equal(t, []string{"routing:demo", "routing:demo"}, s.ids)

	r.mu.Lock()
	require.Empty(t, r.tenants, "an idle tenant keeps no mailbox")
	r.mu.Unlock()
}

func TestRouterTellsEveryRequestOfAFailedBatch(t *testing.T) {
	s := &signals{arrived: make(chan struct{}, 10), release: make(chan error)}
	r := &Router{Client: s, TaskQueue: "q"}
	ctx := context.Background()
	results := make(chan error, 10)
	go func() { results <- r.Notify(ctx, enqueueNotice("demo", "c0")) }()
	<-s.arrived
	for _, c := range []string{"c1", "c2"} {
		go func() { results <- r.Notify(ctx, enqueueNotice("demo", c)) }()
	}
	require.Eventually(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.tenants["demo"].pending) == 2
	}, 10*time.Second, time.Millisecond)
	s.release <- nil
	require.NoError(t, <-results)
	<-s.arrived
	s.release <- errors.New("frontend unavailable")
	for range 2 {
		require.ErrorContains(t, <-results, "frontend unavailable", "each caller's local activity retries")
	}
}

func TestRouterKeepsTenantsApart(t *testing.T) {
	s := &signals{arrived: make(chan struct{}, 10), release: make(chan error, 10)}
	r := &Router{Client: s, TaskQueue: "q"}
	s.release <- nil
	s.release <- nil
	require.NoError(t, r.Notify(context.Background(), enqueueNotice("t1", "c1")))
	require.NoError(t, r.Notify(context.Background(), enqueueNotice("t2", "c2")))
	require.ElementsMatch(t, []string{"routing:t1", "routing:t2"}, s.ids)
	require.Error(t, r.Notify(context.Background(), RouteNotice{TenantID: "t1"}), "an empty notice is refused")
}
