package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// conversationType is the workflow type of ccflow's conversations; every
// other type (routing, agent desks) is counted by type.
const conversationType = "Conversation"

// historyFetchers is how many histories are read at once: enough to hide
// round trips, few enough not to load the server while it winds down.
const historyFetchers = 4

// workflowRun is one workflow execution (run) as visibility lists it. A
// continue-as-new starts another run with the same workflow id.
type workflowRun struct {
	WorkflowID string
	RunID      string
	Type       string
	Start      time.Time
	// Close is zero while the run is open.
	Close time.Time
	// User is the CcflowUser search attribute, when the run has one.
	User string
}

// historySource is what ccbench reads of Temporal: visibility and history.
type historySource interface {
	// list returns the runs that match a visibility query, every page.
	list(ctx context.Context, query string) ([]workflowRun, error)
	// eventTimes returns when each event of one run's history was written.
	eventTimes(ctx context.Context, workflowID, runID string) ([]time.Time, error)
}

// timeWindow is [from, to); a zero window counts nothing.
type timeWindow struct{ from, to time.Time }

func (w timeWindow) has(t time.Time) bool {
	return !w.from.IsZero() && !t.Before(w.from) && t.Before(w.to)
}

// historyRequest says whose histories to count and over which windows.
type historyRequest struct {
	tenant string
	// userPrefix keeps only conversations of this run's visitors when the
	// runs carry the CcflowUser search attribute.
	userPrefix string
	// run is from the first visitor's start to the count; idle is -idle's window.
	run  timeWindow
	idle timeWindow
}

// typeEvents is one workflow type's share of the history written in the run.
type typeEvents struct {
	Type      string
	Workflows int
	Runs      int
	// Events counts the events written during the run.
	Events int
}

// windowEvents counts the events written in a window, by kind of workflow.
type windowEvents struct {
	Conversation int
	Other        int
}

// historyCounts is what the histories of a run add up to.
type historyCounts struct {
	// perConversation is every event of each conversation, summed over its
	// runs, by workflow id.
	perConversation map[string]int
	convRuns        int
	// convOpen counts conversations with a run still open when counted.
	convOpen int
	other    []typeEvents
	during   windowEvents
	idle     windowEvents
	// conversationQuery is the visibility query that found the
	// conversations; fallback says why the tenant filter was dropped.
	conversationQuery string
	fallback          string
	// otherNote qualifies the other types' counts.
	otherNote string
}

// visibilityTime is a time as a visibility query literal. It is moved a
// second back, as the literal has whole seconds and the two clocks may
// differ slightly; the user filter keeps other runs' conversations out.
func visibilityTime(t time.Time) string {
	return t.Add(-time.Second).UTC().Format(time.RFC3339)
}

// countHistory lists the run's workflows and counts their history events:
// every event of each of the run's conversations, and the events the other
// workflow types wrote during the run and the idle window.
func countHistory(ctx context.Context, src historySource, req historyRequest) (historyCounts, error) {
	var hc historyCounts
	if strings.ContainsAny(req.tenant, `'"\`) {
		return hc, fmt.Errorf("tenant %q cannot go into a visibility query", req.tenant)
	}
	since := visibilityTime(req.run.from)
	startedQuery := "StartTime > '" + since + "'"
	hc.conversationQuery = "CcflowTenant = '" + req.tenant + "' AND " + startedQuery
	convRuns, err := src.list(ctx, hc.conversationQuery)
	convRuns = conversationsOf(convRuns, req.userPrefix)
	if err != nil || len(convRuns) == 0 {
		why := "the tenant filter found no conversation"
		if err != nil {
			why = "the tenant filter failed: " + err.Error()
		}
		hc.fallback = why + "; listed by start time only"
		hc.conversationQuery = startedQuery
		all, err := src.list(ctx, startedQuery)
		if err != nil {
			return hc, fmt.Errorf("list workflows (%s): %w", startedQuery, err)
		}
		convRuns = conversationsOf(all, req.userPrefix)
	}
	// Routing and agent desks may have started before the run: everything
	// open at some point during the run counts, for the events it wrote then.
	openQuery := "ExecutionStatus = 'Running' OR CloseTime > '" + since + "'"
	others, err := src.list(ctx, openQuery)
	if err != nil {
		hc.otherNote = "only workflows started during the run (" + err.Error() + ")"
		if others, err = src.list(ctx, startedQuery); err != nil {
			return hc, fmt.Errorf("list workflows (%s): %w", startedQuery, err)
		}
	}
	others = slices.DeleteFunc(others, func(r workflowRun) bool { return r.Type == conversationType })

	all := append(slices.Clone(convRuns), others...)
	events, err := fetchEventTimes(ctx, src, all)
	if err != nil {
		return hc, err
	}
	aggregateHistory(&hc, convRuns, others, events, req)
	return hc, nil
}

// conversationsOf keeps the conversation runs of this run's visitors; runs
// without the user attribute are kept, as nothing says they are not ours.
func conversationsOf(runs []workflowRun, userPrefix string) []workflowRun {
	var out []workflowRun
	for _, r := range runs {
		if r.Type != conversationType {
			continue
		}
		if r.User != "" && userPrefix != "" && !strings.HasPrefix(r.User, userPrefix) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// runKey names one run.
type runKey struct{ workflowID, runID string }

// fetchEventTimes reads the runs' histories, a few at a time; the first
// failure ends the count, since a partial sum would be silently wrong.
func fetchEventTimes(ctx context.Context, src historySource, runs []workflowRun) (map[runKey][]time.Time, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(map[runKey][]time.Time, len(runs))
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	work := make(chan workflowRun)
	for range historyFetchers {
		wg.Go(func() {
			for r := range work {
				times, err := src.eventTimes(ctx, r.WorkflowID, r.RunID)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("history of %s (run %s): %w", r.WorkflowID, r.RunID, err))
					cancel()
				} else {
					out[runKey{r.WorkflowID, r.RunID}] = times
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range runs {
		if ctx.Err() != nil {
			break
		}
		work <- r
	}
	close(work)
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// aggregateHistory adds the runs' events up. A run listed twice (once by
// each query) is counted once.
func aggregateHistory(hc *historyCounts, convRuns, others []workflowRun, events map[runKey][]time.Time, req historyRequest) {
	seen := map[runKey]bool{}
	hc.perConversation = map[string]int{}
	open := map[string]bool{}
	for _, r := range convRuns {
		k := runKey{r.WorkflowID, r.RunID}
		if seen[k] {
			continue
		}
		seen[k] = true
		times := events[k]
		hc.convRuns++
		hc.perConversation[r.WorkflowID] += len(times)
		if r.Close.IsZero() {
			open[r.WorkflowID] = true
		}
		for _, t := range times {
			if req.run.has(t) {
				hc.during.Conversation++
			}
			if req.idle.has(t) {
				hc.idle.Conversation++
			}
		}
	}
	hc.convOpen = len(open)
	byType := map[string]*typeEvents{}
	ids := map[string]map[string]bool{}
	for _, r := range others {
		k := runKey{r.WorkflowID, r.RunID}
		if seen[k] {
			continue
		}
		seen[k] = true
		te := byType[r.Type]
		if te == nil {
			te = &typeEvents{Type: r.Type}
			byType[r.Type] = te
			ids[r.Type] = map[string]bool{}
		}
		te.Runs++
		ids[r.Type][r.WorkflowID] = true
		for _, t := range events[k] {
			if req.run.has(t) {
				te.Events++
				hc.during.Other++
			}
			if req.idle.has(t) {
				hc.idle.Other++
			}
		}
	}
	for typ, te := range byType {
		te.Workflows = len(ids[typ])
		hc.other = append(hc.other, *te)
	}
	slices.SortFunc(hc.other, func(a, b typeEvents) int { return strings.Compare(a.Type, b.Type) })
}

// conversationEvents is the distribution of events per conversation.
type conversationEvents struct {
	Count int
	P50   int
	Max   int
	Total int
}

// distribution summarises perConversation; false when there is none.
func (hc historyCounts) distribution() (conversationEvents, bool) {
	if len(hc.perConversation) == 0 {
		return conversationEvents{}, false
	}
	n := make([]int, 0, len(hc.perConversation))
	total := 0
	for _, c := range hc.perConversation {
		n = append(n, c)
		total += c
	}
	slices.Sort(n)
	return conversationEvents{Count: len(n), P50: percentileInt(n, 50), Max: n[len(n)-1], Total: total}, true
}

// percentileInt is the nearest-rank percentile of sorted counts, as
// percentile is of durations.
func percentileInt(sorted []int, p float64) int {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// errNoTemporal says no Temporal frontend is known to count on.
var errNoTemporal = errors.New("no Temporal frontend known: give -temporal HOST:PORT (and -namespace) or use -embedded")
