package main

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// fakeTemporal is a Temporal frontend over a fakeCCFlow's workflows: just
// visibility (ListWorkflowExecutions, with the queries ccbench sends) and
// histories, both paged in small pages so paging is exercised.
type fakeTemporal struct {
	workflowservice.UnimplementedWorkflowServiceServer
	f *fakeCCFlow

	mu      sync.Mutex
	queries []string
	// noTenant answers the tenant query with nothing, as a server whose
	// visibility does not know the attribute.
	noTenant bool
}

// fakePage is how many executions or events one page holds.
const fakePage = 3

func newFakeTemporal(t *testing.T, f *fakeCCFlow) (*fakeTemporal, string) {
	ft := &fakeTemporal{f: f}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := grpc.NewServer()
	workflowservice.RegisterWorkflowServiceServer(s, ft)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return ft, lis.Addr().String()
}

// GetSystemInfo answers the SDK's dial.
func (ft *fakeTemporal) GetSystemInfo(context.Context, *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	return &workflowservice.GetSystemInfoResponse{}, nil
}

// fakeRun is one workflow run of the fake with its event times.
type fakeRun struct {
	workflowRun
	events []time.Time
}

// runs snapshots the fake ccflow's workflows.
func (ft *fakeTemporal) runs() []fakeRun {
	f := ft.f
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []fakeRun{{workflowRun{WorkflowID: "routing:demo", RunID: "r1", Type: "Routing", Start: f.routingStart}, clone(f.routing)}}
	for _, a := range f.agents {
		if !a.created.IsZero() {
			out = append(out, fakeRun{workflowRun{WorkflowID: "agent:" + a.id, RunID: "r1", Type: "AgentDesk", Start: a.created}, clone(a.history)})
		}
	}
	for _, c := range f.all {
		out = append(out, fakeRun{workflowRun{WorkflowID: "conv:" + c.id, RunID: "r1", Type: conversationType, Start: c.started, Close: c.closed, User: c.user}, clone(c.history)})
	}
	return out
}

func clone(t []time.Time) []time.Time { return append([]time.Time(nil), t...) }

var (
	tenantQuery  = regexp.MustCompile(`^CcflowTenant = 'demo' AND StartTime > '([^']+)'$`)
	openQuery    = regexp.MustCompile(`^ExecutionStatus = 'Running' OR CloseTime > '([^']+)'$`)
	startedQuery = regexp.MustCompile(`^StartTime > '([^']+)'$`)
)

// ListWorkflowExecutions answers the three queries ccbench sends.
func (ft *fakeTemporal) ListWorkflowExecutions(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	ft.mu.Lock()
	ft.queries = append(ft.queries, req.GetQuery())
	noTenant := ft.noTenant
	ft.mu.Unlock()
	if req.GetNamespace() != defaultNamespace {
		return nil, fmt.Errorf("namespace %q", req.GetNamespace())
	}
	q := req.GetQuery()
	var keep func(r fakeRun, since time.Time) bool
	var m []string
	switch {
	case tenantQuery.MatchString(q):
		m = tenantQuery.FindStringSubmatch(q)
		keep = func(r fakeRun, since time.Time) bool {
			return !noTenant && r.Type == conversationType && r.Start.After(since)
		}
	case openQuery.MatchString(q):
		m = openQuery.FindStringSubmatch(q)
		keep = func(r fakeRun, since time.Time) bool { return r.Close.IsZero() || r.Close.After(since) }
	case startedQuery.MatchString(q):
		m = startedQuery.FindStringSubmatch(q)
		keep = func(r fakeRun, since time.Time) bool { return r.Start.After(since) }
	default:
		return nil, fmt.Errorf("unexpected query %q", q)
	}
	since, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		return nil, err
	}
	var infos []*workflowpb.WorkflowExecutionInfo
	for _, r := range ft.runs() {
		if keep(r, since) {
			infos = append(infos, infoOf(r.workflowRun))
		}
	}
	from, _ := strconv.Atoi(string(req.GetNextPageToken()))
	to := min(len(infos), from+fakePage)
	resp := &workflowservice.ListWorkflowExecutionsResponse{Executions: infos[from:to]}
	if to < len(infos) {
		resp.NextPageToken = []byte(strconv.Itoa(to))
	}
	return resp, nil
}

func infoOf(r workflowRun) *workflowpb.WorkflowExecutionInfo {
	info := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: r.WorkflowID, RunId: r.RunID},
		Type:      &commonpb.WorkflowType{Name: r.Type},
		StartTime: timestamppb.New(r.Start),
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
	}
	if !r.Close.IsZero() {
		info.CloseTime = timestamppb.New(r.Close)
		info.Status = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}
	if r.User != "" {
		p, err := converter.GetDefaultDataConverter().ToPayload(r.User)
		if err == nil {
			info.SearchAttributes = &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{userAttribute: p}}
		}
	}
	return info
}

// GetWorkflowExecutionHistory pages through one run's events.
func (ft *fakeTemporal) GetWorkflowExecutionHistory(_ context.Context, req *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
	for _, r := range ft.runs() {
		if r.WorkflowID != req.GetExecution().GetWorkflowId() || r.RunID != req.GetExecution().GetRunId() {
			continue
		}
		from, _ := strconv.Atoi(string(req.GetNextPageToken()))
		to := min(len(r.events), from+fakePage)
		h := &historypb.History{}
		for i := from; i < to; i++ {
			h.Events = append(h.Events, &historypb.HistoryEvent{EventId: int64(i + 1), EventTime: timestamppb.New(r.events[i])})
		}
		resp := &workflowservice.GetWorkflowExecutionHistoryResponse{History: h}
		if to < len(r.events) {
			resp.NextPageToken = []byte(strconv.Itoa(to))
		}
		return resp, nil
	}
	return nil, fmt.Errorf("no run %s/%s", req.GetExecution().GetWorkflowId(), req.GetExecution().GetRunId())
}

// eventsOf is the fake's own count of one conversation's events.
func (f *fakeCCFlow) eventsOf(user string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.all {
		if c.user == user {
			n += len(c.history)
		}
	}
	return n
}
