// Package notify wakes long-polls when something they wait for may have changed.
//
// Messages are data in the application database (DESIGN §3): a long-poll (a
// visitor's poll, an agent's event feed, a webhook sender) reads the log with
// its own cursor. While nothing happens it must touch neither Temporal nor the
// database, so it sleeps on a Hub key and re-reads only when woken. A wake
// carries no data, only "something changed for key K": readers never trust
// the notifier for content, so a lost or spurious wake costs latency or one
// extra read, never a message.
//
// Writes in this process call Hub.Publish directly; writes by other replicas
// and workers reach the Hub through a Tailer, which follows the tables.
package notify

import (
	"context"
	"sync"
	"time"
)

// DefaultFallback bounds how late Wait notices readiness after a lost wake:
// the cost of a wake that never came (a row the Tailer could not see in time,
// a replica without a Tailer) is at most this much latency.
const DefaultFallback = time.Second

// Publisher is what a writer needs: it announces that keys changed.
type Publisher interface {
	// Publish wakes every current subscriber of each key.
	Publish(keys ...string)
}

// Publishers publishes to each of its publishers in turn.
type Publishers []Publisher

// Publish wakes each publisher's subscribers of keys.
func (ps Publishers) Publish(keys ...string) {
	for _, p := range ps {
		p.Publish(keys...)
	}
}

// Subscriber is what a waiter needs to build its own wait loop.
type Subscriber interface {
	// Subscribe registers for wakes on key; call the returned func to stop.
	Subscribe(key string) (<-chan struct{}, func())
}

// Waiter is what a long-poll handler needs: the race-free wait of Hub.Wait.
type Waiter interface {
	// Wait blocks until ready reports true, the timeout passes or ctx ends.
	Wait(ctx context.Context, key string, timeout time.Duration, ready func(context.Context) (bool, error)) (bool, error)
}

var (
	_ Publisher  = (*Hub)(nil)
	_ Subscriber = (*Hub)(nil)
	_ Waiter     = (*Hub)(nil)
)

// Hub is an in-process pub/sub of wakes keyed by string; the zero value is
// not usable, call NewHub.
//
// A subscriber costs one buffered channel and one map entry, no goroutine, so
// thousands of parked long-polls are cheap. Publish never blocks: a wake is
// dropped when the subscriber already has one pending, since one pending wake
// already makes it re-read everything that changed.
type Hub struct {
	// Fallback is how often Wait re-checks readiness with no wake at all;
	// zero means DefaultFallback. Set it before the Hub is used.
	Fallback time.Duration

	mu sync.RWMutex
	// subs holds only keys with at least one subscriber, so a key's entry
	// disappears with its last subscriber and the map does not grow with the
	// number of conversations ever seen.
	subs map[string]map[chan struct{}]struct{}
}

// NewHub returns an empty Hub.
func NewHub() *Hub {
	return &Hub{subs: make(map[string]map[chan struct{}]struct{})}
}

// Subscribe returns a channel that receives a wake for every Publish(key) made
// after Subscribe returns, coalesced to at most one pending wake, and a func
// that unsubscribes (safe to call more than once).
//
// The channel is never closed, so a receive never mistakes unsubscription for
// a wake; stop receiving from it once unsubscribed.
func (h *Hub) Subscribe(key string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	set := h.subs[key]
	if set == nil {
		set = make(map[chan struct{}]struct{})
		h.subs[key] = set
	}
	set[ch] = struct{}{}
	h.mu.Unlock()

	// Idempotent without a flag: a second call finds ch gone and deletes
	// nothing, and drops the key only if it has no subscriber left.
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		set := h.subs[key]
		delete(set, ch)
		if len(set) == 0 {
			delete(h.subs, key)
		}
	}
}

// Publish wakes every current subscriber of each key without blocking.
func (h *Hub) Publish(keys ...string) {
	// A read lock is enough: sends on the buffered channels do not change the
	// map, and concurrent publishers of a hot key should not queue.
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, key := range keys {
		for ch := range h.subs[key] {
			select {
			case ch <- struct{}{}:
			default: // a wake is already pending; it covers this one
			}
		}
	}
}

// Wait blocks until ready reports true and then returns true; it returns
// false when timeout passes first, and ctx's error when ctx ends first. An
// error from ready is returned as is.
//
// It subscribes before the first ready check, so a change committed between
// the check and the wait still wakes it: checking first and subscribing after
// would sleep through that change. ready runs again on every wake and every
// Fallback interval, so a lost wake delays the answer by at most Fallback. A
// timeout of zero or less checks once without waiting.
func (h *Hub) Wait(ctx context.Context, key string, timeout time.Duration, ready func(context.Context) (bool, error)) (bool, error) {
	wake, unsubscribe := h.Subscribe(key)
	defer unsubscribe()

	if err := ctx.Err(); err != nil {
		return false, err
	}
	ok, err := ready(ctx)
	if err != nil || ok || timeout <= 0 {
		return ok, err
	}

	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	fallback := h.Fallback
	if fallback <= 0 {
		fallback = DefaultFallback
	}
	recheck := time.NewTicker(fallback)
	defer recheck.Stop()

	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-deadline.C:
			return false, nil
		case <-wake:
		case <-recheck.C:
		}
		ok, err := ready(ctx)
		if err != nil || ok {
			return ok, err
		}
	}
}
