package retention_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ccflow/ccflow/workflows/retention"
)

// historyScheduledRun is a run the retention schedule started, recorded by
// TestRecordRetentionHistory.
var historyScheduledRun = filepath.Join("testdata", "retention-scheduled-run.json")

// TestRecordRetentionHistory records the replay test's history from a
// running all-in-one (the steps are in workflows/conversation/record_test.go;
// run it with -run TestRecordRetentionHistory ./workflows/retention/): it
// triggers the file-retention schedule, as its hourly start does, and saves
// the run's history. Without CCFLOW_RECORD_HISTORIES=1 it is skipped.
func TestRecordRetentionHistory(t *testing.T) {
	if os.Getenv("CCFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("records histories from a running all-in-one; set CCFLOW_RECORD_HISTORIES=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hostPort := os.Getenv("CCFLOW_RECORD_TEMPORAL")
	if hostPort == "" {
		hostPort = "127.0.0.1:17233"
	}
	c, err := client.Dial(client.Options{HostPort: hostPort})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.ScheduleClient().GetHandle(ctx, retention.ScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}))
	var id, run string
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowType = '" + retention.WorkflowName + "' AND ExecutionStatus = 'Completed'"})
		require.NoError(t, err)
		if len(resp.Executions) == 0 {
			return false
		}
		id, run = resp.Executions[0].GetExecution().GetWorkflowId(), resp.Executions[0].GetExecution().GetRunId()
		return true
	}, time.Minute, 200*time.Millisecond, "the triggered retention run did not complete")
	it := c.GetWorkflowHistory(ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(historyScheduledRun, append(b, '\n'), 0o644))
	t.Logf("%s: %d events from %s", historyScheduledRun, len(h.Events), id)
}
