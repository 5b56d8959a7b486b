package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLedgerCountsLostDuplicatedAndFailed(t *testing.T) {
	l := newLedger()
	t0 := time.Unix(1000, 0)
	for _, c := range []string{"ok", "lost", "dup", "failed", "failed-but-arrived", "pending", "cut"} {
		conv := "v1"
		if c == "cut" {
			conv = "v2"
		}
		l.sending(c, conv, t0)
	}
	for _, c := range []string{"ok", "lost", "dup", "cut"} {
		l.sent(c, true)
	}
	l.sent("failed", false)
	l.sent("failed-but-arrived", false)

	lat, first := l.received("ok", t0.Add(15*time.Millisecond))
	require.True(t, first)
	require.Equal(t, 15*time.Millisecond, lat)
	_, first = l.received("dup", t0.Add(time.Millisecond))
	require.True(t, first)
	for range 2 {
		_, first = l.received("dup", t0.Add(2*time.Millisecond))
		require.False(t, first, "a repeat has no latency")
	}
	_, first = l.received("failed-but-arrived", t0)
	require.True(t, first)
	_, first = l.received("never-sent", t0)
	require.False(t, first)
	require.True(t, l.seen("dup"))
	require.False(t, l.seen("lost"))

	got := l.tally(func(conv string) bool { return conv == "v2" })
	require.Equal(t, tally{
		Sent:        4, // ok, lost, dup, cut
		Received:    3, // ok, dup, failed-but-arrived
		Lost:        1, // lost; cut's conversation was interrupted
		InFlight:    1,
		Duplicated:  1,
		ExtraCopies: 2,
		SendFailed:  2,
		Unconfirmed: 1,
		Unexpected:  1,
	}, got)
}

func TestLedgerLateAcceptanceStillCounts(t *testing.T) {
	l := newLedger()
	t0 := time.Unix(1000, 0)
	l.sending("m", "v1", t0)
	// The receiver can see a message before its sender hears back.
	lat, first := l.received("m", t0.Add(time.Millisecond))
	require.True(t, first)
	require.Equal(t, time.Millisecond, lat)
	l.sent("m", true)
	require.Equal(t, tally{Sent: 1, Received: 1}, l.tally(func(string) bool { return false }))
}

func TestLedgerEmpty(t *testing.T) {
	require.Equal(t, tally{}, newLedger().tally(func(string) bool { return true }))
}
