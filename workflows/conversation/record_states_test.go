package conversation

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/routing"
)

// The histories of the states a deploy meets in running workflows (issue
// 14), recorded by TestRecordStateHistories: a conversation still queued,
// one still served after a transfer, and routing's run that continued as
// new after many requests with the run that followed it.
var (
	historyQueued        = filepath.Join("testdata", "conversation-queued.json")
	historyTransferred   = filepath.Join("testdata", "conversation-transferred.json")
	historyRoutingFull   = filepath.Join("..", "routing", "testdata", "routing-many-requests-continued-as-new.json")
	historyRoutingNewRun = filepath.Join("..", "routing", "testdata", "routing-after-continue-as-new.json")
)

// TestRecordStateHistories records, like TestRecordHistories and from the
// same kind of fresh all-in-one (the steps are in record_test.go; run it
// with -run TestRecordStateHistories), histories of workflows in the middle
// of their lives; without CCFLOW_RECORD_HISTORIES=1 it is skipped.
func TestRecordStateHistories(t *testing.T) {
	if os.Getenv("CCFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("records histories from a running all-in-one; set CCFLOW_RECORD_HISTORIES=1")
	}
	api := envOr("CCFLOW_RECORD_API", recordAPI)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: envOr("CCFLOW_RECORD_TEMPORAL", recordTemporal)})
	require.NoError(t, err)
	defer c.Close()
	d := &driver{t: t, api: api}
	access := d.accessToken()
	login := func(user string) []string {
		var out struct{ Token string }
		d.call("POST", "/api/agent/v1/login", nil, map[string]string{"username": user, "password": user + "-pass"}, &out)
		return []string{"Authorization", "Bearer " + out.Token}
	}
	status := func(agent []string, s string) {
		d.call("PUT", "/api/agent/v1/status", agent, map[string]string{"status": s}, nil)
	}
	served := func(agent []string) string {
		var conv string
		require.Eventually(t, func() bool {
			var list struct{ Conversations []struct{ ID, Phase string } }
			d.call("GET", "/api/agent/v1/conversations", agent, nil, &list)
			for _, c := range list.Conversations {
				if c.Phase == string(PhaseAgent) {
					conv = c.ID
				}
			}
			return conv != ""
		}, 30*time.Second, 200*time.Millisecond)
		return conv
	}

	// agent1 serves a visitor and hands them to skill group 12, where agent2
	// takes over: the conversation runs on with agent2.
	agent1, agent2 := login("agent1"), login("agent2")
	status(agent1, "READY")
	moved := d.visitor(access, "visitor-moved", "Dan")
	require.Equal(t, DescConnectRobot, moved.send("CONNECT", ""))
	require.Equal(t, DescTransferOK, moved.send("TRANS2AGENT", ""))
	conv := served(agent1)
	d.call("POST", "/api/agent/v1/conversations/"+conv+"/messages", agent1, map[string]string{"content": "我帮您转到售后组"}, nil)
	d.call("POST", "/api/agent/v1/conversations/"+conv+"/transfer", agent1, map[string]any{"skillGroupId": 12}, nil)
	status(agent1, "OFFLINE")
	status(agent2, "READY")
	require.Equal(t, conv, served(agent2))
	d.call("POST", "/api/agent/v1/conversations/"+conv+"/messages", agent2, map[string]string{"content": "您好，我是售后客服"}, nil)
	require.Equal(t, DescUserMessage, moved.send("CHAT", "好的，谢谢"))

	// Nobody is ready for skill group 11: a visitor waits in its queue.
	waiting := d.visitor(access, "visitor-waiting", "Eve")
	require.Equal(t, DescConnectRobot, waiting.send("CONNECT", ""))
	require.Equal(t, DescTransferOK, waiting.send("TRANS2AGENT", ""))
	var queued string
	require.Eventually(t, func() bool {
		var q struct {
			ResultCode string
			Position   int
		}
		d.call("POST", "/apiaccess/ccmessaging/queryQueueInfo", waiting.headers,
			map[string]string{"userId": waiting.user, "channelConfigId": demoChannel, "channel": "WEB"}, &q)
		return q.ResultCode == "0" && q.Position == 1
	}, 30*time.Second, 200*time.Millisecond)
	queued = runningConversation(ctx, t, c, waiting.user)

	// Routing continues as new after its requestsPerRun: agent2's status
	// changes, each an Update of routing, until its run ends.
	before, err := c.DescribeWorkflowExecution(ctx, routing.WorkflowID("demo"), "")
	require.NoError(t, err)
	firstRun := before.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	for i := 0; ; i++ {
		require.Less(t, i, 3000, "routing never continued as new")
		status(agent2, []string{"NOT_READY", "READY"}[i%2])
		if i%50 != 49 {
			continue
		}
		now, err := c.DescribeWorkflowExecution(ctx, routing.WorkflowID("demo"), "")
		require.NoError(t, err)
		if now.GetWorkflowExecutionInfo().GetExecution().GetRunId() != firstRun {
			break
		}
	}
	status(agent2, "READY")

	writeHistory(ctx, t, c, WorkflowID(conv), historyTransferred)
	writeHistory(ctx, t, c, queued, historyQueued)
	writeRunHistory(ctx, t, c, routing.WorkflowID("demo"), firstRun, historyRoutingFull)
	writeHistory(ctx, t, c, routing.WorkflowID("demo"), historyRoutingNewRun)
}

// runningConversation is the workflow ID of the user's running conversation.
func runningConversation(ctx context.Context, t *testing.T, c client.Client, user string) string {
	t.Helper()
	var id string
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = 'Conversation' AND %s = '%s' AND ExecutionStatus = 'Running'", SAUser.GetName(), user),
		})
		require.NoError(t, err)
		if len(resp.Executions) == 1 {
			id = resp.Executions[0].GetExecution().GetWorkflowId()
		}
		return id != ""
	}, 30*time.Second, 500*time.Millisecond)
	return id
}

// writeRunHistory is writeHistory of one given run, here one that ended.
func writeRunHistory(ctx context.Context, t *testing.T, c client.Client, id, runID, file string) {
	t.Helper()
	d, err := c.DescribeWorkflowExecution(ctx, id, runID)
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, d.GetWorkflowExecutionInfo().GetStatus())
	writeHistoryOf(ctx, t, c, id, runID, file)
}
