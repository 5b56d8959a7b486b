// Package authcache keeps in memory what every request's authentication
// reads from the database — an app key, an agent's session version — and
// drops an entry the moment it is revoked, on every replica.
//
// Revocation stays immediate without a read per request:
//
//   - A change that revokes (an app key disabled, rotated or deleted; an
//     agent logged out, disabled, deleted, their password or role changed)
//     writes a row into auth_changes in the same transaction (Record), then
//     calls Revoked, which drops the entry in this process at once.
//   - Every other process follows auth_changes with its notify.Tailer, which
//     hands the rows' subjects to Publish: the entry is dropped there too.
//   - A process trusts its cache only while its tailer is current: the last
//     pass that read every table started less than Window ago (Fresh). A
//     tailer that falls behind (a slow or down database) turns the cache off
//     and every request reads the database again, as before.
//   - Revoked waits Window before it returns in a scaled-out process, so when
//     the revoking call answers, every replica has either dropped the entry
//     or stopped trusting its cache.
//
// A fill that read the database before a revocation and would store after it
// is refused by a generation count, and every entry is re-read after TTL in
// any case, so a row changed by hand in the database is picked up too.
package authcache

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Prefix starts every wake key the cache handles; other keys are not its.
const Prefix = "auth:"

// Defaults used when the Options field is zero.
const (
	// DefaultWindow is how recent a tailer pass must be for the cache to be
	// trusted, and how long a scaled-out revocation waits before it answers:
	// many tailer intervals (10 ms), so a busy database does not switch the
	// cache off, and short enough for a logout.
	DefaultWindow = 250 * time.Millisecond
	// DefaultTTL bounds how long an entry lives without a revocation, for
	// changes made outside ccflow.
	DefaultTTL = time.Minute
)

// maxEntries bounds each table: past it the table starts over, which costs
// one database read per key in use.
const maxEntries = 100_000

// Options configures New.
type Options struct {
	// Tail says how far the process's tailer has come (notify.Tailer's
	// Current); nil means this process makes every change itself (the
	// all-in-one), so local revocation is all there is and the cache is
	// always current.
	Tail func() (primed, last time.Time)
	// Window is DefaultWindow when zero.
	Window time.Duration
	// TTL is DefaultTTL when zero.
	TTL time.Duration
	// Now is time.Now when nil (tests move it).
	Now func() time.Time
}

// Cache holds authentication reads by subject. The zero value is not
// usable; call New. A nil *Cache caches nothing.
type Cache struct {
	tail   func() (primed, last time.Time)
	window time.Duration
	ttl    time.Duration
	now    func() time.Time

	mu sync.Mutex
	// gen moves on with every revocation; a fill that began under an older
	// gen is not stored.
	gen     uint64
	entries map[string]entry
}

type entry struct {
	value any
	at    time.Time
}

// New returns an empty cache.
func New(o Options) *Cache {
	c := &Cache{tail: o.Tail, window: o.Window, ttl: o.TTL, now: o.Now, entries: map[string]entry{}}
	if c.window == 0 {
		c.window = DefaultWindow
	}
	if c.ttl == 0 {
		c.ttl = DefaultTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// usable says whether an entry stored at might be used now, given how far
// the tailer had come (primed, last) before the entry was looked up: it has
// published every revocation committed before now-Window (so a revocation
// older than that dropped the entry), and it was following auth_changes when
// the entry was read (a revocation before that was history to the tailer,
// but the read saw it).
func (c *Cache) usable(now, at, primed, last time.Time) bool {
	if c.tail == nil {
		return true
	}
	return !last.IsZero() && now.Sub(last) <= c.window && !at.Before(primed)
}

// Get returns the cached value of subject, or loads it with load and caches
// it when load succeeds. Errors (not found included) are never cached.
func Get[V any](ctx context.Context, c *Cache, subject string, load func(context.Context) (V, error)) (V, error) {
	if c == nil {
		return load(ctx)
	}
	now := c.now()
	// The tailer is asked before the entry is looked up: a pass counts as
	// done only after its drops, so a done pass's drops are seen below.
	var primed, last time.Time
	if c.tail != nil {
		primed, last = c.tail()
	}
	c.mu.Lock()
	e, ok := c.entries[subject]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl && c.usable(now, e.at, primed, last) {
		if v, isV := e.value.(V); isV {
			return v, nil
		}
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if len(c.entries) >= maxEntries {
			c.entries = map[string]entry{}
		}
		c.entries[subject] = entry{value: v, at: now}
	}
	c.mu.Unlock()
	return v, nil
}

// drop forgets subjects and refuses fills that began before.
func (c *Cache) drop(subjects []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, s := range subjects {
		delete(c.entries, s)
	}
}

// Publish takes the tailer's wakes: keys under Prefix name revoked subjects
// (written elsewhere); other keys are ignored. It implements notify.Publisher.
func (c *Cache) Publish(keys ...string) {
	if c == nil {
		return
	}
	var subjects []string
	for _, k := range keys {
		if s, ok := strings.CutPrefix(k, Prefix); ok {
			subjects = append(subjects, s)
		}
	}
	if len(subjects) > 0 {
		c.drop(subjects)
	}
}

// Revoked drops subjects here, after their change (and its Record) has
// committed, and in a scaled-out process waits until every other replica
// has dropped them too or stopped trusting its cache. It returns early with
// ctx's error; the revocation itself has happened by then.
func (c *Cache) Revoked(ctx context.Context, subjects ...string) error {
	if c == nil {
		return nil
	}
	c.drop(subjects)
	if c.tail == nil {
		return nil
	}
	t := time.NewTimer(c.window)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AppKey is the subject of an app key.
func AppKey(key string) string { return "appkey:" + key }

// Agent is the subject of an agent's sessions.
func Agent(agentID string) string { return "agent:" + agentID }
