package main

import (
	"math"
	"slices"
	"sync"
	"time"
)

// sample collects one metric's durations. Every value is kept and sorted
// for the summary: a benchmark of this size has at most a few hundred
// thousand samples, and exact percentiles are what a reader expects.
type sample struct {
	mu sync.Mutex
	d  []time.Duration
}

// add records one duration.
func (s *sample) add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

// summary is a metric's count and order statistics.
type summary struct {
	Count int
	Mean  time.Duration
	P50   time.Duration
	P95   time.Duration
	P99   time.Duration
	Max   time.Duration
}

// summarize returns the order statistics of everything recorded so far.
func (s *sample) summarize() summary {
	s.mu.Lock()
	sorted := slices.Clone(s.d)
	s.mu.Unlock()
	return summarizeDurations(sorted)
}

// summarizeDurations sorts d in place and returns its statistics; an empty
// set is all zeros.
func summarizeDurations(d []time.Duration) summary {
	if len(d) == 0 {
		return summary{}
	}
	slices.Sort(d)
	var total time.Duration
	for _, v := range d {
		total += v
	}
	return summary{
		Count: len(d),
		Mean:  total / time.Duration(len(d)),
		P50:   percentile(d, 50),
		P95:   percentile(d, 95),
		P99:   percentile(d, 99),
		Max:   d[len(d)-1],
	}
}

// percentile is the nearest-rank percentile of sorted values: the smallest
// value with at least p percent of the values at or below it. Unlike
// interpolation it always names a latency that was actually observed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}
