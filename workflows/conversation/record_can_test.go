package conversation

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// The histories of a conversation that continued as new (issue 14),
// recorded by TestRecordContinueAsNewHistories: the run that grew until
// Temporal suggested continue-as-new (4,096 events by default) and handed
// its state on, and the run after it, which answered one more question and
// closed at the visitor's DISCONNECT.
var (
	historyContinuedAsNew = filepath.Join("testdata", "conversation-continued-as-new.json")
	historyAfterContinue  = filepath.Join("testdata", "conversation-after-continue-as-new.json")
)

// maxQuestionsBeforeCAN bounds the recording: a robot question costs its
// run some 8 events, so Temporal's 4,096 come long before.
const maxQuestionsBeforeCAN = 2000

// TestRecordContinueAsNewHistories records, like TestRecordHistories and
// from the same kind of fresh all-in-one (the steps are in record_test.go;
// run it with -run TestRecordContinueAsNewHistories), a real conversation
// that continued as new: a visitor asks the robot until the server suggests
// it; without CCFLOW_RECORD_HISTORIES=1 it is skipped.
func TestRecordContinueAsNewHistories(t *testing.T) {
	if os.Getenv("CCFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("records histories from a running all-in-one; set CCFLOW_RECORD_HISTORIES=1")
	}
	api := envOr("CCFLOW_RECORD_API", recordAPI)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: envOr("CCFLOW_RECORD_TEMPORAL", recordTemporal)})
	require.NoError(t, err)
	defer c.Close()
	d := &driver{t: t, api: api}
	v := d.visitor(d.accessToken(), "visitor-can", "Cai")
	require.Equal(t, DescConnectRobot, v.send("CONNECT", ""))
	v.pollUntil(func(m map[string]any) bool { return m["sourceType"] == "ROBOT" })
	wfID := conversationOf(ctx, t, c, "visitor-can")
	first := currentRun(ctx, t, c, wfID)

	asked := 0
	for ; asked < maxQuestionsBeforeCAN && currentRun(ctx, t, c, wfID) == first; asked++ {
		require.Equal(t, DescRobotChat, v.send("CHAT", "版本"))
		v.pollUntil(func(m map[string]any) bool { return robotAnswer(m) })
	}
	require.NotEqual(t, first, currentRun(ctx, t, c, wfID), "no continue-as-new after %d questions", asked)
	t.Logf("continued as new after %d questions", asked)

	// The new run answers the next question, then closes at DISCONNECT.
	require.Equal(t, DescRobotChat, v.send("CHAT", "网格"))
	v.pollUntil(func(m map[string]any) bool { return robotAnswer(m) && m["content"] != nil })
	require.Equal(t, DescDisconnectRobot, v.send("DISCONNECT", ""))
	waitClosed(ctx, t, c, wfID)
	writeHistoryOf(ctx, t, c, wfID, first, historyContinuedAsNew)
	writeHistory(ctx, t, c, wfID, historyAfterContinue)
}

// conversationOf finds the workflow of a visitor's conversation.
func conversationOf(ctx context.Context, t *testing.T, c client.Client, user string) string {
	t.Helper()
	var id string
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'Conversation'"})
		require.NoError(t, err)
		for _, e := range resp.Executions {
			var u string
			if p := e.GetSearchAttributes().GetIndexedFields()[SAUser.GetName()]; p != nil {
				_ = json.Unmarshal(p.GetData(), &u)
			}
			if u == user {
				id = e.GetExecution().GetWorkflowId()
			}
		}
		return id != ""
	}, 30*time.Second, 200*time.Millisecond)
	return id
}

// currentRun is the run id of the workflow's latest run.
func currentRun(ctx context.Context, t *testing.T, c client.Client, id string) string {
	t.Helper()
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	info := d.GetWorkflowExecutionInfo()
	require.NotEqual(t, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, info.GetStatus())
	return info.GetExecution().GetRunId()
}
