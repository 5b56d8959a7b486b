// Package ratelimit limits requests per client with token buckets, for the
// public entries that anyone can call without credentials (DESIGN §7).
//
// The buckets live in the process: each API replica limits on its own, so a
// client behind a load balancer that spreads requests over N replicas gets up
// to N times the rate. That is the point of a cheap first line of defence; the
// database-backed checks behind it (signatures, replay) hold across replicas.
package ratelimit

import (
	"net/netip"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// DefaultMaxClients bounds the number of buckets kept, so that a flood of
// distinct source addresses cannot grow memory without limit.
const DefaultMaxClients = 100_000

// overflowKey names the one bucket shared by every client that arrives while
// the table is full. Real keys are never empty, so it cannot collide.
const overflowKey = ""

// Limiter hands out one token bucket per client key.
type Limiter struct {
	limit      rate.Limit
	burst      int
	idle       time.Duration
	maxClients int
	now        func() time.Time

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

// bucket is a client's token bucket and when it was last used.
type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// Option adjusts a Limiter.
type Option func(*Limiter)

// WithClock replaces time.Now, so tests can step time instead of sleeping.
func WithClock(now func() time.Time) Option { return func(l *Limiter) { l.now = now } }

// WithMaxClients changes DefaultMaxClients.
func WithMaxClients(n int) Option { return func(l *Limiter) { l.maxClients = n } }

// New returns a limiter that allows each client limit requests per second on
// average with bursts of burst, and forgets a client idle for idle. An idle
// time shorter than a full refill of the bucket is raised to it: only then is a
// forgotten client indistinguishable from a new one, so eviction never gives a
// client more than its rate.
func New(limit rate.Limit, burst int, idle time.Duration, opts ...Option) *Limiter {
	l := &Limiter{
		limit: limit, burst: burst, idle: idle, maxClients: DefaultMaxClients,
		now: time.Now, clients: map[string]*bucket{},
	}
	for _, o := range opts {
		o(l)
	}
	if limit > 0 && limit != rate.Inf {
		if refill := time.Duration(float64(burst) / float64(limit) * float64(time.Second)); refill > l.idle {
			l.idle = refill
		}
	}
	l.lastSweep = l.now()
	return l
}

// Allow takes a token from key's bucket. When the bucket is empty it answers
// false and how long until the next token, for a Retry-After header.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.idle {
		l.sweep(now)
	}
	b, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= l.maxClients {
			l.sweep(now)
		}
		if len(l.clients) >= l.maxClients {
			// Still full: newcomers share one bucket rather than each getting a
			// fresh one, which would be no limit at all.
			key = overflowKey
			b = l.clients[key]
		}
	}
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = b
	}
	b.seen = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - b.lim.TokensAt(now)
	if l.limit <= 0 {
		return false, l.idle
	}
	return false, time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// Peek tells whether key's bucket holds a token, without taking it, and when
// it does not, how long until it will. Failure limits peek before an attempt
// and Take only when the attempt failed, so that successes cost nothing.
func (l *Limiter) Peek(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[key]
	if !ok {
		if len(l.clients) < l.maxClients {
			return l.burst > 0, 0
		}
		if b = l.clients[overflowKey]; b == nil {
			return l.burst > 0, 0
		}
	}
	tokens := b.lim.TokensAt(now)
	if tokens >= 1 {
		return true, 0
	}
	if l.limit <= 0 {
		return false, l.idle
	}
	return false, time.Duration((1 - tokens) / float64(l.limit) * float64(time.Second))
}

// Take takes a token from key's bucket even when it is empty: the bucket then
// owes tokens, so that failures that raced past Peek still count in full.
func (l *Limiter) Take(key string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.idle {
		l.sweep(now)
	}
	b, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= l.maxClients {
			l.sweep(now)
		}
		if len(l.clients) >= l.maxClients {
			key = overflowKey
			b = l.clients[key]
		}
	}
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = b
	}
	b.seen = now
	b.lim.ReserveN(now, 1)
}

// Reset forgets key's bucket: the client starts again with a full one.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, key)
}

// Len reports how many clients currently have a bucket.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// sweep forgets the clients idle for longer than l.idle; l.mu is held.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.clients {
		if now.Sub(b.seen) >= l.idle {
			delete(l.clients, k)
		}
	}
	l.lastSweep = now
}

// PerClientIP is gin middleware that limits each client address (see
// ClientKey). A refused request goes to deny, which writes the answer and
// aborts; the package leaves the answer's shape to the API.
func (l *Limiter) PerClientIP(deny func(c *gin.Context, retryAfter time.Duration)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if ok, wait := l.Allow(ClientKey(c.ClientIP())); !ok {
			deny(c, wait)
			return
		}
		c.Next()
	}
}

// ClientKey turns a client address into its bucket key. An IPv6 client
// usually holds a whole /64, so it is limited by that prefix; otherwise a
// single host could walk through addresses to get a fresh bucket each time.
func ClientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		// Not an address (gin answers "" when it cannot tell): all such
		// requests share one key rather than escaping the limit.
		return "unknown:" + ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, err := addr.WithZone("").Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return addr.String()
}
