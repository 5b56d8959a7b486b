package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
)

// userAttribute is the search attribute holding a conversation's visitor.
const userAttribute = "CcflowUser"

// temporalDialTimeout bounds connecting to the Temporal frontend.
const temporalDialTimeout = 15 * time.Second

// listPageSize is how many executions one visibility page asks for.
const listPageSize = 1000

// temporalHistory reads visibility and histories from a Temporal frontend.
type temporalHistory struct {
	c  client.Client
	ns string
}

// dialTemporal connects to the frontend at addr; the SDK's warnings go to logw.
func dialTemporal(ctx context.Context, addr, namespace string, logw io.Writer) (*temporalHistory, error) {
	ctx, cancel := context.WithTimeout(ctx, temporalDialTimeout)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  addr,
		Namespace: namespace,
		Logger:    tlog.NewStructuredLogger(logger.With("component", "temporal-sdk")),
	})
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (namespace %q): %w", addr, namespace, err)
	}
	return &temporalHistory{c: c, ns: namespace}, nil
}

// close ends the connection.
func (t *temporalHistory) close() { t.c.Close() }

// list returns every execution matching query, page after page.
func (t *temporalHistory) list(ctx context.Context, query string) ([]workflowRun, error) {
	var out []workflowRun
	var token []byte
	for {
		resp, err := t.c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: t.ns, PageSize: listPageSize, NextPageToken: token, Query: query,
		})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, runOf(e))
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

// runOf is a visibility record as ccbench needs it.
func runOf(e *workflowpb.WorkflowExecutionInfo) workflowRun {
	r := workflowRun{
		WorkflowID: e.GetExecution().GetWorkflowId(),
		RunID:      e.GetExecution().GetRunId(),
		Type:       e.GetType().GetName(),
	}
	if e.GetStartTime() != nil {
		r.Start = e.GetStartTime().AsTime()
	}
	if e.GetCloseTime() != nil && e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		r.Close = e.GetCloseTime().AsTime()
	}
	if p, ok := e.GetSearchAttributes().GetIndexedFields()[userAttribute]; ok {
		var user string
		// A value of another shape just leaves the run unfiltered.
		if err := converter.GetDefaultDataConverter().FromPayload(p, &user); err == nil {
			r.User = user
		}
	}
	return r
}

// eventTimes reads one run's whole history.
func (t *temporalHistory) eventTimes(ctx context.Context, workflowID, runID string) ([]time.Time, error) {
	it := t.c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []time.Time
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		out = append(out, ev.GetEventTime().AsTime())
	}
	return out, nil
}

// countHistory counts the run's workflow history events on the Temporal
// frontend at addr; with none known it returns errNoTemporal.
func (b *bench) countHistory(ctx context.Context, addr string, out outcome) (historyCounts, error) {
	if addr == "" {
		return historyCounts{}, errNoTemporal
	}
	if err := ctx.Err(); err != nil {
		return historyCounts{}, errors.New("not counted: the run was interrupted")
	}
	req := historyRequest{
		tenant:     b.cfg.Tenant,
		userPrefix: b.visitorPrefix(),
		run:        timeWindow{from: out.begin, to: time.Now()},
	}
	if w := out.idle; w != nil {
		req.idle = timeWindow{from: w.start, to: w.ended}
	}
	b.progress.note("counting workflow history events on Temporal at %s (namespace %s)", addr, b.cfg.Namespace)
	th, err := dialTemporal(ctx, addr, b.cfg.Namespace, b.progress.w)
	if err != nil {
		return historyCounts{}, err
	}
	defer th.close()
	ctx, cancel := context.WithTimeout(ctx, historyTimeout)
	defer cancel()
	return countHistory(ctx, th, req)
}
