package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// startGate holds the visitors of a -burst run until every one of them has
// its token, then lets all their CONNECTs go at once.
type startGate struct {
	mu        sync.Mutex
	remaining int
	open      chan struct{}
}

func newStartGate(n int) *startGate {
	g := &startGate{remaining: n, open: make(chan struct{})}
	if n <= 0 {
		close(g.open)
	}
	return g
}

// arrive counts n visitors in (ready, failed or never started); the last
// one opens the gate.
func (g *startGate) arrive(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.remaining <= 0 {
		return
	}
	g.remaining -= n
	if g.remaining <= 0 {
		close(g.open)
	}
}

// wait blocks until the gate opens or ctx ends.
func (g *startGate) wait(ctx context.Context) error {
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// idleGate is -idle's window: it opens once every visitor is with an agent
// (or out of the run), stays open for its duration while the visitors
// long-poll idly, and samples the server's processes at both ends.
type idleGate struct {
	d       time.Duration
	sampler *procSampler

	mu        sync.Mutex
	remaining int
	withAgent int

	// started is closed once w's start fields are set; done once all are.
	started chan struct{}
	done    chan struct{}
	w       idleWindow
	// over ends when the window does, cutting the idle polls still open.
	over    context.Context
	endOver context.CancelFunc
}

// idleWindow is what happened in the idle window.
type idleWindow struct {
	start time.Time
	// end is when the window was planned to end; ended is when it did.
	end   time.Time
	ended time.Time
	// visitors is how many visitors sat idle with an agent.
	visitors int
	// complete is false when the run ended (timeout, interrupt) inside the window.
	complete      bool
	before, after procUsage
	// usageErr says why the server's processes could not be read.
	usageErr error
}

func newIdleGate(d time.Duration, visitors int, sampler *procSampler) *idleGate {
	over, endOver := context.WithCancel(context.Background())
	return &idleGate{d: d, sampler: sampler, remaining: visitors, started: make(chan struct{}), done: make(chan struct{}),
		over: over, endOver: endOver}
}

// settle counts n visitors in: with an agent and idle, or out of the run
// (failed, or never started). The last one opens the window; ctx ending
// closes it early.
func (g *idleGate) settle(ctx context.Context, n int, withAgent bool) {
	g.mu.Lock()
	if g.remaining <= 0 {
		g.mu.Unlock()
		return
	}
	g.remaining -= n
	if withAgent {
		g.withAgent += n
	}
	last := g.remaining <= 0
	visitors := g.withAgent
	g.mu.Unlock()
	if !last {
		return
	}
	if ctx.Err() != nil {
		// The run is over: there is no window to measure.
		return
	}
	g.w.visitors = visitors
	g.w.start = time.Now()
	g.w.end = g.w.start.Add(g.d)
	if g.sampler != nil {
		g.w.before, g.w.usageErr = g.sampler.sample()
	}
	// Told on stderr so that a profile of the server can be taken in the window.
	fmt.Fprintf(os.Stderr, "idle window: %d visitors with an agent, idle for %s from now\n", visitors, g.d)
	close(g.started)
	go g.hold(ctx)
}

// hold waits out the window and takes the closing sample.
func (g *idleGate) hold(ctx context.Context) {
	defer close(g.done)
	g.w.complete = sleepCtx(ctx, g.d) == nil
	g.w.ended = time.Now()
	g.endOver()
	if g.sampler != nil && g.w.usageErr == nil {
		g.w.after, g.w.usageErr = g.sampler.sample()
	}
}

// endAt returns when the window ends, once it has started.
func (g *idleGate) endAt() (time.Time, bool) {
	select {
	case <-g.started:
		return g.w.end, true
	default:
		return time.Time{}, false
	}
}

// result waits for a started window to end and returns it; false when the
// window never started.
func (g *idleGate) result() (idleWindow, bool) {
	select {
	case <-g.started:
	default:
		return idleWindow{}, false
	}
	<-g.done
	return g.w, true
}
