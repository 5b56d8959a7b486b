package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestChatSpanOfLedgers(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v2a, a2v := newLedger(), newLedger()
	v2a.sending("v2a 1", "v1", t0)
	v2a.sent("v2a 1", true)
	_, first := v2a.received("v2a 1", t0.Add(100*time.Millisecond))
	require.True(t, first)
	// A repeat arriving later does not stretch the span.
	v2a.received("v2a 1", t0.Add(time.Hour))
	// A lost message still started the chat phase when it was sent.
	v2a.sending("v2a lost", "v2", t0.Add(-time.Second))
	v2a.sent("v2a lost", true)

	a2v.sending("a2v 1", "v1", t0.Add(200*time.Millisecond))
	a2v.sent("a2v 1", true)
	a2v.received("a2v 1", t0.Add(3*time.Second))

	s := v2a.span().merge(a2v.span())
	require.Equal(t, 2, s.messages, "first copies that arrived, both ways")
	require.Equal(t, t0.Add(-time.Second), s.first)
	require.Equal(t, t0.Add(3*time.Second), s.last)
	require.InDelta(t, 4.0, s.seconds(), 1e-9)
	require.InDelta(t, 0.5, s.perSecond(), 1e-9)
}

func TestChatSpanEmpty(t *testing.T) {
	var s chatSpan
	require.Zero(t, s.seconds())
	require.Zero(t, s.perSecond())
	l := newLedger()
	l.sending("v2a x", "v1", time.Now())
	s = l.span().merge(newLedger().span())
	require.Zero(t, s.messages)
	require.Zero(t, s.perSecond(), "no arrival, no rate")
	require.False(t, s.first.IsZero(), "merging an empty span keeps the other's start")
}
