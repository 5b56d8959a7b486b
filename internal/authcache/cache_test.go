package authcache_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/authcache"
)

// source is a database row that counts its reads.
type source struct {
	mu    sync.Mutex
	value string
	err   error
	reads int
	// during runs inside a read, after the value was taken: a revocation
	// racing the fill.
	during func()
}

func (s *source) load(context.Context) (string, error) {
	s.mu.Lock()
	v, err := s.value, s.err
	s.reads++
	during := s.during
	s.mu.Unlock()
	if during != nil {
		during()
	}
	return v, err
}

func (s *source) set(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.value = v
}

func (s *source) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// tail is a tailer's progress that a test moves.
type tail struct {
	mu           sync.Mutex
	primed, last time.Time
}

func (t *tail) get() (time.Time, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.primed, t.last
}

func (t *tail) set(primed, last time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.primed, t.last = primed, last
}

func get(t *testing.T, c *authcache.Cache, subject string, s *source) string {
	t.Helper()
	v, err := authcache.Get(context.Background(), c, subject, s.load)
	require.NoError(t, err)
	return v
}

func TestANilCacheReadsEveryTime(t *testing.T) {
	s := &source{value: "v1"}
	var c *authcache.Cache
	require.Equal(t, "v1", get(t, c, "appkey:k", s))
	require.Equal(t, "v1", get(t, c, "appkey:k", s))
	require.Equal(t, 2, s.count())
	require.NoError(t, c.Revoked(context.Background(), "appkey:k"))
	c.Publish("auth:appkey:k")
}

func TestARevocationInThisProcessCountsAtOnce(t *testing.T) {
	c := authcache.New(authcache.Options{})
	s := &source{value: "v1"}
	for range 3 {
		require.Equal(t, "v1", get(t, c, authcache.AppKey("k"), s))
	}
	require.Equal(t, 1, s.count(), "read once, then served from memory")

	s.set("v2")
	require.NoError(t, c.Revoked(context.Background(), authcache.AppKey("k")))
	require.Equal(t, "v2", get(t, c, authcache.AppKey("k"), s), "the revoked entry is read again")
	require.Equal(t, 2, s.count())

	other := &source{value: "agent"}
	require.Equal(t, "agent", get(t, c, authcache.Agent("a1"), other))
	require.NoError(t, c.Revoked(context.Background(), authcache.AppKey("k")))
	require.Equal(t, "agent", get(t, c, authcache.Agent("a1"), other))
	require.Equal(t, 1, other.count(), "a revocation drops only its subject")
}

func TestAFillRacingARevocationIsNotKept(t *testing.T) {
	c := authcache.New(authcache.Options{})
	s := &source{value: "old"}
	// The read has taken the old row when the revocation commits and drops
	// the (not yet stored) entry: storing the old row now would keep it.
	s.during = func() {
		s.during = nil
		require.NoError(t, c.Revoked(context.Background(), authcache.AppKey("k")))
	}
	require.Equal(t, "old", get(t, c, authcache.AppKey("k"), s), "the request itself raced the revocation")
	s.set("new")
	require.Equal(t, "new", get(t, c, authcache.AppKey("k"), s), "the racing fill was not stored")
}

func TestErrorsAreNeverCached(t *testing.T) {
	c := authcache.New(authcache.Options{})
	s := &source{err: errors.New("not found")}
	for range 2 {
		_, err := authcache.Get(context.Background(), c, authcache.AppKey("k"), s.load)
		require.Error(t, err)
	}
	require.Equal(t, 2, s.count())
}

func TestEntriesAreReadAgainAfterTheTTL(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	c := authcache.New(authcache.Options{TTL: time.Minute, Now: func() time.Time { return now }})
	s := &source{value: "v1"}
	get(t, c, authcache.AppKey("k"), s)
	now = now.Add(59 * time.Second)
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 1, s.count())
	now = now.Add(time.Second)
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 2, s.count(), "a change made outside ccflow shows within the TTL")
}

func TestAScaledOutCacheIsTrustedOnlyWhileItsTailerIsCurrent(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tl := &tail{}
	c := authcache.New(authcache.Options{Tail: tl.get, Window: 250 * time.Millisecond, Now: func() time.Time { return now }})
	s := &source{value: "v1"}

	get(t, c, authcache.AppKey("k"), s)
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 2, s.count(), "before the tailer's first pass nothing is trusted")

	tl.set(now.Add(-time.Second), now.Add(-10*time.Millisecond))
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 2, s.count(), "an entry read after the tailer took its position is trusted")

	now = now.Add(300 * time.Millisecond)
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 3, s.count(), "a tailer that fell behind (a slow database) turns the cache off")

	tl.set(now.Add(-time.Second), now)
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 3, s.count(), "current again")

	// Revoked elsewhere: the tailer's wake drops the entry; other wakes
	// (a conversation's) are not the cache's.
	c.Publish("conv:k", "appkey:k")
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 3, s.count())
	s.set("v2")
	c.Publish("auth:appkey:k")
	require.Equal(t, "v2", get(t, c, authcache.AppKey("k"), s))
	require.Equal(t, 4, s.count())
}

func TestAnEntryReadBeforeTheTailerTookItsPositionIsNotTrusted(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tl := &tail{}
	c := authcache.New(authcache.Options{Tail: tl.get, Now: func() time.Time { return now }})
	s := &source{value: "v1"}
	get(t, c, authcache.AppKey("k"), s)
	// A revocation committed here, before the tailer's start position, is
	// history the tailer never publishes: the entry above must not be used.
	now = now.Add(time.Millisecond)
	tl.set(now, now)
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 2, s.count())
	get(t, c, authcache.AppKey("k"), s)
	require.Equal(t, 2, s.count(), "the entry read after the start position is")
}

func TestAScaledOutRevocationWaitsForTheOtherReplicas(t *testing.T) {
	tl := &tail{}
	c := authcache.New(authcache.Options{Tail: tl.get, Window: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Revoked(ctx, authcache.Agent("a1")) }()
	select {
	case err := <-done:
		t.Fatalf("Revoked returned (%v) before the other replicas' tailers could have passed", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
