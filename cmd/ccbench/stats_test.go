package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSummarizeEmpty(t *testing.T) {
	var s sample
	require.Equal(t, summary{}, s.summarize())
	require.Zero(t, percentile(nil, 99))
}

func TestSummarizeSingleSample(t *testing.T) {
	var s sample
	s.add(42 * time.Millisecond)
	got := s.summarize()
	require.Equal(t, summary{Count: 1, Mean: 42 * time.Millisecond, P50: 42 * time.Millisecond,
		P95: 42 * time.Millisecond, P99: 42 * time.Millisecond, Max: 42 * time.Millisecond}, got)
}

func TestSummarizeNearestRank(t *testing.T) {
	var s sample
	// 100 down to 1 ms: the order of recording must not matter.
	for i := 100; i >= 1; i-- {
		s.add(time.Duration(i) * time.Millisecond)
	}
	got := s.summarize()
	require.Equal(t, 100, got.Count)
	require.Equal(t, 50*time.Millisecond, got.P50)
	require.Equal(t, 95*time.Millisecond, got.P95)
	require.Equal(t, 99*time.Millisecond, got.P99)
	require.Equal(t, 100*time.Millisecond, got.Max)
	require.Equal(t, 50500*time.Microsecond, got.Mean)
}

func TestPercentileSmallSets(t *testing.T) {
	two := []time.Duration{time.Second, 3 * time.Second}
	require.Equal(t, time.Second, percentile(two, 50), "p50 of two is the lower one: half the values are at or below it")
	require.Equal(t, 3*time.Second, percentile(two, 51))
	require.Equal(t, 3*time.Second, percentile(two, 99))
	require.Equal(t, time.Second, percentile(two, 0), "p0 is clamped to the smallest value")
	require.Equal(t, 3*time.Second, percentile(two, 100))
}

func TestSummarizeKeepsRecordedOrder(t *testing.T) {
	var s sample
	s.add(3 * time.Millisecond)
	s.add(1 * time.Millisecond)
	_ = s.summarize()
	require.Equal(t, []time.Duration{3 * time.Millisecond, 1 * time.Millisecond}, s.d, "summarize sorts a copy")
}

func TestEdgesTakeEachConversationsFirstAndLastMessages(t *testing.T) {
	b := &bench{cfg: config{Messages: 30}}
	var first, last sample
	for i := 1; i <= 30; i++ {
		b.edges(i, time.Duration(i)*time.Millisecond, &first, &last)
	}
	require.Equal(t, 10, first.summarize().Count)
	require.Equal(t, 10*time.Millisecond, first.summarize().Max, "the first ten are messages 1 to 10")
	require.Equal(t, 10, last.summarize().Count)
	require.Equal(t, 25500*time.Microsecond, last.summarize().Mean, "the last ten are messages 21 to 30")

	short := &bench{cfg: config{Messages: 15}}
	var f2, l2 sample
	short.edges(1, time.Millisecond, &f2, &l2)
	require.Zero(t, f2.summarize().Count, "a conversation too short to have both ends measures neither")
}
