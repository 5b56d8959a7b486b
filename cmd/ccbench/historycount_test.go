package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// memHistory is a historySource over fixed runs; queries are matched by
// their shape, as the server would read them.
type memHistory struct {
	mu      sync.Mutex
	runs    []workflowRun
	events  map[runKey][]time.Time
	queries []string
	// noTenant answers the tenant query with nothing (an older server);
	// failOpen refuses the open-during-the-run query; failHistory every history.
	noTenant    bool
	failOpen    bool
	failHistory bool
}

func (m *memHistory) list(_ context.Context, query string) ([]workflowRun, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queries = append(m.queries, query)
	var out []workflowRun
	switch {
	case strings.HasPrefix(query, "CcflowTenant = 'demo' AND StartTime > '"):
		if m.noTenant {
			return nil, nil
		}
		for _, r := range m.runs {
			if r.Type == conversationType && r.User != "" {
				out = append(out, r)
			}
		}
	case strings.HasPrefix(query, "ExecutionStatus = 'Running' OR CloseTime > '"):
		if m.failOpen {
			return nil, errors.New("operator OR not supported")
		}
		out = m.runs
	case strings.HasPrefix(query, "StartTime > '"):
		for _, r := range m.runs {
			if !r.Start.Before(tRun) {
				out = append(out, r)
			}
		}
	default:
		return nil, errors.New("unexpected query " + query)
	}
	return out, nil
}

func (m *memHistory) eventTimes(_ context.Context, wid, rid string) ([]time.Time, error) {
	if m.failHistory {
		return nil, errors.New("history unavailable")
	}
	return m.events[runKey{wid, rid}], nil
}

var tRun = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// at is a time s seconds into the run.
func at(s float64) time.Time { return tRun.Add(time.Duration(s * float64(time.Second))) }

// times returns n event times from s seconds on, one a second.
func times(s float64, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = at(s + float64(i))
	}
	return out
}

func sampleHistory() *memHistory {
	m := &memHistory{events: map[runKey][]time.Time{}}
	add := func(r workflowRun, ev []time.Time) {
		m.runs = append(m.runs, r)
		m.events[runKey{r.WorkflowID, r.RunID}] = ev
	}
	// Conversation 1 continued as new once: 10 + 5 events.
	add(workflowRun{WorkflowID: "conv:1", RunID: "a", Type: conversationType, Start: at(1), Close: at(20), User: "bench-r1-v1"}, times(1, 10))
	add(workflowRun{WorkflowID: "conv:1", RunID: "b", Type: conversationType, Start: at(20), User: "bench-r1-v1"}, times(20, 5))
	add(workflowRun{WorkflowID: "conv:2", RunID: "a", Type: conversationType, Start: at(2), Close: at(40), User: "bench-r1-v2"}, times(2, 30))
	add(workflowRun{WorkflowID: "conv:3", RunID: "a", Type: conversationType, Start: at(3), Close: at(9), User: "bench-r1-v3"}, times(3, 6))
	// Another run's conversation on the same server.
	add(workflowRun{WorkflowID: "conv:x", RunID: "a", Type: conversationType, Start: at(4), User: "bench-other-v1"}, times(4, 99))
	// Routing started long before the run: only its events in the run count.
	add(workflowRun{WorkflowID: "routing:demo", RunID: "r", Type: "Routing", Start: tRun.Add(-time.Hour)}, times(-10, 25))
	add(workflowRun{WorkflowID: "agent:1", RunID: "a", Type: "AgentDesk", Start: at(0.5)}, times(0.5, 4))
	add(workflowRun{WorkflowID: "agent:2", RunID: "a", Type: "AgentDesk", Start: at(0.5)}, times(0.5, 3))
	return m
}

func sampleRequest() historyRequest {
	return historyRequest{
		tenant: "demo", userPrefix: "bench-r1-v",
		run:  timeWindow{from: tRun, to: at(100)},
		idle: timeWindow{from: at(5), to: at(10)},
	}
}

func TestCountHistory(t *testing.T) {
	m := sampleHistory()
	hc, err := countHistory(context.Background(), m, sampleRequest())
	require.NoError(t, err)
	require.Equal(t, map[string]int{"conv:1": 15, "conv:2": 30, "conv:3": 6}, hc.perConversation, "per workflow id, summed over runs; another run's conversation left out")
	require.Equal(t, 4, hc.convRuns)
	require.Equal(t, 1, hc.convOpen, "conv:1's second run is open")
	require.Empty(t, hc.fallback)
	require.Equal(t, "CcflowTenant = 'demo' AND StartTime > '2026-03-01T09:59:59Z'", hc.conversationQuery)
	require.Equal(t, []typeEvents{
		{Type: "AgentDesk", Workflows: 2, Runs: 2, Events: 7},
		{Type: "Routing", Workflows: 1, Runs: 1, Events: 15},
	}, hc.other, "routing's 10 events before the run do not count")
	require.Equal(t, windowEvents{Conversation: 51, Other: 22}, hc.during)
	// Idle window [5s, 10s): conv:1 events at 5..9 (5), conv:2 at 5..9 (5),
	// conv:3 at 5..8 (4); routing at 5..9 (5); agent desks none.
	require.Equal(t, windowEvents{Conversation: 14, Other: 5}, hc.idle)

	d, ok := hc.distribution()
	require.True(t, ok)
	require.Equal(t, conversationEvents{Count: 3, P50: 15, Max: 30, Total: 51}, d)
}

func TestCountHistoryFallsBackWithoutTenantAttribute(t *testing.T) {
	m := sampleHistory()
	m.noTenant = true
	hc, err := countHistory(context.Background(), m, sampleRequest())
	require.NoError(t, err)
	require.Contains(t, hc.fallback, "found no conversation")
	require.Equal(t, "StartTime > '2026-03-01T09:59:59Z'", hc.conversationQuery)
	require.Len(t, hc.perConversation, 3, "the user attribute still keeps other runs out")
}

func TestCountHistoryWithoutOpenQuery(t *testing.T) {
	m := sampleHistory()
	m.failOpen = true
	hc, err := countHistory(context.Background(), m, sampleRequest())
	require.NoError(t, err)
	require.Contains(t, hc.otherNote, "only workflows started during the run")
	require.Equal(t, []typeEvents{{Type: "AgentDesk", Workflows: 2, Runs: 2, Events: 7}}, hc.other, "routing started before the run is missed, and said so")
}

func TestCountHistoryErrors(t *testing.T) {
	m := sampleHistory()
	m.failHistory = true
	_, err := countHistory(context.Background(), m, sampleRequest())
	require.ErrorContains(t, err, "history unavailable", "a partial sum is not reported")

	req := sampleRequest()
	req.tenant = "de'mo"
	_, err = countHistory(context.Background(), sampleHistory(), req)
	require.ErrorContains(t, err, "visibility query")
}

func TestAggregateHistoryCountsARunOnce(t *testing.T) {
	r := workflowRun{WorkflowID: "conv:1", RunID: "a", Type: conversationType, Close: at(3)}
	events := map[runKey][]time.Time{{"conv:1", "a"}: times(1, 3)}
	var hc historyCounts
	aggregateHistory(&hc, []workflowRun{r, r}, nil, events, sampleRequest())
	require.Equal(t, map[string]int{"conv:1": 3}, hc.perConversation)
	require.Equal(t, 1, hc.convRuns)
	require.Zero(t, hc.convOpen)
	_, ok := historyCounts{}.distribution()
	require.False(t, ok, "no conversation, no distribution")
}

func TestPercentileInt(t *testing.T) {
	require.Zero(t, percentileInt(nil, 50))
	require.Equal(t, 2, percentileInt([]int{1, 2, 3, 4}, 50))
	require.Equal(t, 4, percentileInt([]int{1, 2, 3, 4}, 99))
	require.Equal(t, 7, percentileInt([]int{7}, 50))
}
