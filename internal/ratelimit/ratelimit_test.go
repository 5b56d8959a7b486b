package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// clock is a settable time source.
type clock struct{ at time.Time }

func (c *clock) now() time.Time { return c.at }

func TestBurstThenRefill(t *testing.T) {
	c := &clock{at: time.Unix(1_700_000_000, 0)}
	l := New(rate.Every(6*time.Second), 5, time.Minute, WithClock(c.now))
	for i := range 5 {
		ok, _ := l.Allow("a")
		require.True(t, ok, "request %d is within the burst", i+1)
	}
	ok, wait := l.Allow("a")
	require.False(t, ok)
	require.InDelta(t, 6*time.Second, wait, float64(time.Millisecond))

	ok, _ = l.Allow("b")
	require.True(t, ok, "another client has its own bucket")

	c.at = c.at.Add(6 * time.Second)
	ok, _ = l.Allow("a")
	require.True(t, ok, "one token back after 6 s")
	ok, _ = l.Allow("a")
	require.False(t, ok)
}

func TestIdleClientsAreForgotten(t *testing.T) {
	c := &clock{at: time.Unix(1_700_000_000, 0)}
	// idle below the 30 s refill time is raised to it.
	l := New(rate.Every(6*time.Second), 5, time.Second, WithClock(c.now))
	require.Equal(t, 30*time.Second, l.idle)
	for range 5 {
		l.Allow("a")
	}
	c.at = c.at.Add(29 * time.Second)
	l.Allow("b")
	require.Equal(t, 2, l.Len(), "a is not idle long enough yet")
	c.at = c.at.Add(30 * time.Second)
	l.Allow("b")
	require.Equal(t, 1, l.Len(), "a was swept")
	ok, _ := l.Allow("a")
	require.True(t, ok, "a forgotten client had a full bucket anyway")
}

func TestFullTableSharesOverflowBucket(t *testing.T) {
	c := &clock{at: time.Unix(1_700_000_000, 0)}
	l := New(rate.Every(time.Minute), 1, time.Hour, WithClock(c.now), WithMaxClients(2))
	for _, k := range []string{"a", "b"} {
		ok, _ := l.Allow(k)
		require.True(t, ok)
	}
	ok, _ := l.Allow("c")
	require.True(t, ok, "first newcomer takes the overflow bucket's token")
	ok, _ = l.Allow("d")
	require.False(t, ok, "newcomers share the overflow bucket")
	require.Equal(t, 3, l.Len())
}

func TestClientKey(t *testing.T) {
	require.Equal(t, "192.0.2.7", ClientKey("192.0.2.7"))
	require.Equal(t, "192.0.2.7", ClientKey("::ffff:192.0.2.7"))
	require.Equal(t, ClientKey("2001:db8:1:2::1"), ClientKey("2001:db8:1:2:ffff::9"), "same /64")
	require.NotEqual(t, ClientKey("2001:db8:1:2::1"), ClientKey("2001:db8:1:3::1"))
	require.Equal(t, "unknown:", ClientKey(""))
}

func TestPerClientIPMiddleware(t *testing.T) {
	gin.SetMode(gin.TestMode)
	l := New(rate.Every(time.Minute), 2, time.Minute)
	r := gin.New()
	var waits []time.Duration
	r.GET("/", l.PerClientIP(func(c *gin.Context, wait time.Duration) {
		waits = append(waits, wait)
		c.AbortWithStatus(http.StatusTooManyRequests)
	}), func(c *gin.Context) { c.Status(http.StatusOK) })
	get := func(remote string) int {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w.Code
	}
	require.Equal(t, http.StatusOK, get("198.51.100.1:1000"))
	require.Equal(t, http.StatusOK, get("198.51.100.1:1001"))
	require.Equal(t, http.StatusTooManyRequests, get("198.51.100.1:1002"))
	require.Equal(t, http.StatusOK, get("198.51.100.2:1000"))
	require.Len(t, waits, 1)
	require.Greater(t, waits[0], 50*time.Second)
}

func TestPeekTakeCountOnlyWhatIsTaken(t *testing.T) {
	c := &clock{at: time.Unix(1_700_000_000, 0)}
	l := New(rate.Every(10*time.Second), 2, time.Minute, WithClock(c.now))
	for range 5 {
		ok, _ := l.Peek("a")
		require.True(t, ok, "peeking costs nothing")
	}
	require.Zero(t, l.Len(), "a peek keeps no bucket")
	l.Take("a")
	l.Take("a")
	ok, wait := l.Peek("a")
	require.False(t, ok, "two failures used the burst")
	require.InDelta(t, 10*time.Second, wait, float64(time.Millisecond))
	l.Take("a") // a failure that raced past the peek still counts: the bucket owes one
	c.at = c.at.Add(10 * time.Second)
	ok, _ = l.Peek("a")
	require.False(t, ok, "the debt is paid back first")
	c.at = c.at.Add(10 * time.Second)
	ok, _ = l.Peek("a")
	require.True(t, ok)

	l.Take("b")
	l.Take("b")
	l.Reset("b")
	ok, _ = l.Peek("b")
	require.True(t, ok, "a reset client starts with a full bucket")
}
