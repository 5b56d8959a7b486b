package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStartGateOpensWhenAllArrived(t *testing.T) {
	g := newStartGate(3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	g.arrive(1)
	require.ErrorIs(t, g.wait(ctx), context.DeadlineExceeded, "two still missing")
	g.arrive(2)
	require.NoError(t, g.wait(context.Background()))
	g.arrive(1) // late arrivals are harmless
	require.NoError(t, newStartGate(0).wait(context.Background()))
}

func TestIdleGateWindow(t *testing.T) {
	g := newIdleGate(50*time.Millisecond, 3, nil)
	ctx := context.Background()
	_, ok := g.endAt()
	require.False(t, ok)
	g.settle(ctx, 1, true)
	g.settle(ctx, 1, false) // a visitor that failed before its agent came
	_, ok = g.result()
	require.False(t, ok, "not started while one visitor is still on the way")
	g.settle(ctx, 1, true)
	end, ok := g.endAt()
	require.True(t, ok)
	w, ok := g.result()
	require.True(t, ok)
	require.Equal(t, end, w.end)
	require.True(t, w.complete)
	require.Equal(t, 2, w.visitors)
	require.False(t, w.ended.Before(w.end))
	g.settle(ctx, 1, true) // settling twice over is harmless
}

func TestIdleGateCutShort(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g := newIdleGate(time.Hour, 1, nil)
	g.settle(ctx, 1, true)
	cancel()
	w, ok := g.result()
	require.True(t, ok)
	require.False(t, w.complete, "the run ended inside the window")

	g = newIdleGate(time.Second, 1, nil)
	g.settle(ctx, 1, true)
	_, ok = g.result()
	require.False(t, ok, "a run that is over opens no window")
}

func TestIdleGateSamples(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 7, 10, 0, 100, 200)
	g := newIdleGate(10*time.Millisecond, 1, &procSampler{pids: []int{7}, root: root})
	g.settle(context.Background(), 1, true)
	w, ok := g.result()
	require.True(t, ok)
	require.NoError(t, w.usageErr)
	require.Equal(t, uint64(10), w.before.ticks)
	require.Equal(t, int64(100), w.after.rssKB)
}
