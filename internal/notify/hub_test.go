package notify

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// never is a Fallback long enough that a test passing within its timeout
// proves the wake, not the fallback re-check, did the work.
const never = time.Hour

func received(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func subscriberKeys(h *Hub) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

func TestPublishWakesSubscriber(t *testing.T) {
	h := NewHub()
	ch, unsub := h.Subscribe("conv:1")
	defer unsub()
	other, unsubOther := h.Subscribe("conv:2")
	defer unsubOther()

	h.Publish("conv:1")
	require.True(t, received(ch), "Publish returns after the wake is buffered")
	require.False(t, received(other), "a key's publish must not wake another key")

	h.Publish("conv:3", "conv:2")
	require.True(t, received(other), "every key of a multi-key Publish wakes")
}

func TestPublishBeforeSubscribeDoesNotWake(t *testing.T) {
	h := NewHub()
	h.Publish("conv:1")
	ch, unsub := h.Subscribe("conv:1")
	defer unsub()
	require.False(t, received(ch))
	time.Sleep(20 * time.Millisecond)
	require.False(t, received(ch))
}

func TestPublishCoalesces(t *testing.T) {
	h := NewHub()
	ch, unsub := h.Subscribe("k")
	defer unsub()
	start := time.Now()
	for range 1000 {
		h.Publish("k") // must not block on the full buffer
	}
	require.Less(t, time.Since(start), time.Second, "Publish must drop, not wait, when a wake is pending")
	require.True(t, received(ch))
	require.False(t, received(ch), "publishes while not receiving leave one wake")
	h.Publish("k")
	require.True(t, received(ch), "a receive re-arms the subscriber")
}

func TestUnsubscribeRemovesEntry(t *testing.T) {
	h := NewHub()
	a, unsubA := h.Subscribe("k")
	b, unsubB := h.Subscribe("k")

	unsubA()
	h.Publish("k")
	require.False(t, received(a), "an unsubscribed channel gets no wake")
	require.True(t, received(b))
	require.Equal(t, 1, subscriberKeys(h))

	unsubB()
	require.Zero(t, subscriberKeys(h), "the key's entry goes with its last subscriber")

	// Idempotent: a second call must not remove a later subscriber of the key.
	c, unsubC := h.Subscribe("k")
	defer unsubC()
	unsubA()
	unsubB()
	h.Publish("k")
	require.True(t, received(c))
	require.Equal(t, 1, subscriberKeys(h))
}

func TestManySubscribersNoGoroutines(t *testing.T) {
	h := NewHub()
	before := runtime.NumGoroutine()
	const n = 5000
	chans := make([]<-chan struct{}, n)
	unsubs := make([]func(), n)
	for i := range n {
		chans[i], unsubs[i] = h.Subscribe(fmt.Sprintf("conv:%d", i%100))
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before, "subscribing must not start goroutines")
	for i := range 100 {
		h.Publish(fmt.Sprintf("conv:%d", i))
	}
	for i, ch := range chans {
		require.True(t, received(ch), "subscriber %d", i)
	}
	for _, u := range unsubs {
		u()
	}
	require.Zero(t, subscriberKeys(h))
}

func TestWaitWakesOnPublish(t *testing.T) {
	h := NewHub()
	h.Fallback = never
	var flag atomic.Bool
	var calls atomic.Int32
	ready := func(context.Context) (bool, error) {
		calls.Add(1)
		return flag.Load(), nil
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		flag.Store(true)
		h.Publish("k")
	}()
	start := time.Now()
	ok, err := h.Wait(context.Background(), "k", 10*time.Second, ready)
	require.NoError(t, err)
	require.True(t, ok)
	require.Less(t, time.Since(start), 5*time.Second)
	require.GreaterOrEqual(t, calls.Load(), int32(2), "ready is checked before waiting and again on the wake")
	require.Zero(t, subscriberKeys(h), "Wait unsubscribes")
}

// A change made between Wait's first check and its sleep must still wake it:
// this fails if Wait checks before subscribing.
func TestWaitSubscribesBeforeFirstCheck(t *testing.T) {
	h := NewHub()
	h.Fallback = never
	var flag atomic.Bool
	first := true
	ready := func(context.Context) (bool, error) {
		ok := flag.Load()
		if first {
			first = false
			flag.Store(true) // another writer commits right after the check...
			h.Publish("k")   // ...and publishes before Wait sleeps
		}
		return ok, nil
	}
	ok, err := h.Wait(context.Background(), "k", 2*time.Second, ready)
	require.NoError(t, err)
	require.True(t, ok)
}

func TestWaitTimesOut(t *testing.T) {
	h := NewHub()
	h.Fallback = 10 * time.Millisecond
	var calls atomic.Int32
	start := time.Now()
	ok, err := h.Wait(context.Background(), "k", 60*time.Millisecond, func(context.Context) (bool, error) {
		calls.Add(1)
		return false, nil
	})
	require.NoError(t, err)
	require.False(t, ok)
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
	require.Greater(t, calls.Load(), int32(1), "the fallback re-checked during the wait")
	require.Zero(t, subscriberKeys(h))
}

func TestWaitZeroTimeoutChecksOnce(t *testing.T) {
	h := NewHub()
	var calls atomic.Int32
	ok, err := h.Wait(context.Background(), "k", 0, func(context.Context) (bool, error) {
		calls.Add(1)
		return false, nil
	})
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, int32(1), calls.Load())
}

func TestWaitReturnsContextError(t *testing.T) {
	h := NewHub()
	h.Fallback = never
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	ok, err := h.Wait(ctx, "k", 10*time.Second, func(context.Context) (bool, error) { return false, nil })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, ok)

	ok, err = h.Wait(ctx, "k", 10*time.Second, func(context.Context) (bool, error) { return true, nil })
	require.ErrorIs(t, err, context.Canceled, "a done ctx wins over readiness")
	require.False(t, ok)
	require.Zero(t, subscriberKeys(h))
}

func TestWaitReturnsReadyError(t *testing.T) {
	h := NewHub()
	boom := errors.New("db down")
	ok, err := h.Wait(context.Background(), "k", time.Second, func(context.Context) (bool, error) { return false, boom })
	require.ErrorIs(t, err, boom)
	require.False(t, ok)
}

func TestWaitFallbackFindsReadinessWithoutPublish(t *testing.T) {
	var flag atomic.Bool
	ready := func(context.Context) (bool, error) { return flag.Load(), nil }
	time.AfterFunc(30*time.Millisecond, func() { flag.Store(true) }) // no Publish

	h := NewHub()
	h.Fallback = 20 * time.Millisecond
	ok, err := h.Wait(context.Background(), "k", 5*time.Second, ready)
	require.NoError(t, err)
	require.True(t, ok)

	// Control: without the fallback nothing would have noticed.
	flag.Store(false)
	time.AfterFunc(30*time.Millisecond, func() { flag.Store(true) })
	h2 := NewHub()
	h2.Fallback = never
	ok, err = h2.Wait(context.Background(), "k", 300*time.Millisecond, ready)
	require.NoError(t, err)
	require.False(t, ok)
}

func TestHubConcurrent(t *testing.T) {
	h := NewHub()
	h.Fallback = never
	const keys, waitersPerKey = 20, 25
	var published [keys]atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, keys*waitersPerKey)
	for k := range keys {
		key := fmt.Sprintf("conv:%d", k)
		for range waitersPerKey {
			wg.Go(func() {
				ok, err := h.Wait(context.Background(), key, 10*time.Second, func(context.Context) (bool, error) {
					return published[k].Load(), nil
				})
				if err == nil && !ok {
					err = fmt.Errorf("%s: timed out", key)
				}
				errs <- err
			})
		}
		// Churn: subscribers come and go on the same keys meanwhile.
		wg.Go(func() {
			for range 200 {
				ch, unsub := h.Subscribe(key)
				h.Publish(key + ":noise")
				received(ch)
				unsub()
			}
		})
	}
	for k := range keys {
		wg.Go(func() {
			time.Sleep(time.Duration(k) * time.Millisecond)
			published[k].Store(true)
			h.Publish(fmt.Sprintf("conv:%d", k))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, subscriberKeys(h))
}
