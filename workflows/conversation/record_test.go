package conversation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ccflow/ccflow/workflows/routing"
)

// Recording the histories the replay tests read.
//
// TestRecordHistories runs only with CCFLOW_RECORD_HISTORIES=1. It drives a
// running ccflow all-in-one with a fresh data directory through the README's
// "Try it" and "Agents" sessions, then writes the workflows' histories as
// JSON into testdata/ here and in workflows/routing. To re-record after a
// change of the workflows that old histories must no longer replay against:
//
//	go build -o /tmp/ccflow-rec ./cmd/ccflow
//	D=$(mktemp -d)
//	CCFLOW_WEBHOOK_ALLOW_PRIVATE=true CCFLOW_DATA_DIR=$D CCFLOW_HTTP_ADDR=127.0.0.1:18080 CCFLOW_TEMPORAL_PORT=17233 CCFLOW_UI_PORT=0 /tmp/ccflow-rec &
//	CCFLOW_RECORD_HISTORIES=1 CCFLOW_RECORD_DATA_DIR=$D go test -count=1 -run TestRecordHistories ./workflows/conversation/
//	kill %1
//
// CCFLOW_RECORD_API and CCFLOW_RECORD_TEMPORAL override the addresses above.
// With CCFLOW_RECORD_DATA_DIR (for the admin key) the conversations also
// push to a webhook receiver the test runs, so that deliveries are in the
// histories too.
const (
	recordAPI      = "http://127.0.0.1:18080"
	recordTemporal = "127.0.0.1:17233"
	demoChannel    = "1011577355744904195"
)

// The recorded histories, relative to this package.
var (
	historyAgentRated       = filepath.Join("testdata", "conversation-agent-rated.json")
	historyRobotDisconnect  = filepath.Join("testdata", "conversation-robot-disconnect.json")
	historyRoutingDemo      = filepath.Join("..", "routing", "testdata", "routing-demo.json")
	recordedConversationIDs = map[string]string{"visitor-1": historyAgentRated, "visitor-2": historyRobotDisconnect}
)

// TestRecordHistories records the replay tests' histories from a running
// all-in-one (see above); without CCFLOW_RECORD_HISTORIES=1 it is skipped.
func TestRecordHistories(t *testing.T) {
	if os.Getenv("CCFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("records histories from a running all-in-one; set CCFLOW_RECORD_HISTORIES=1")
	}
	api := envOr("CCFLOW_RECORD_API", recordAPI)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: envOr("CCFLOW_RECORD_TEMPORAL", recordTemporal)})
	require.NoError(t, err)
	defer c.Close()
	d := &driver{t: t, api: api}

	if dir := os.Getenv("CCFLOW_RECORD_DATA_DIR"); dir != "" {
		key, err := os.ReadFile(filepath.Join(dir, "admin-key"))
		require.NoError(t, err)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer receiver.Close()
		admin := []string{"Authorization", "Bearer " + strings.TrimSpace(string(key))}
		var hook struct{ ID int64 }
		d.call("POST", "/api/admin/v1/webhooks", admin, map[string]any{"tenantId": "demo", "url": receiver.URL + "/hook"}, &hook)
		defer d.call("DELETE", fmt.Sprintf("/api/admin/v1/webhooks/%d", hook.ID), admin, nil, nil)
	}

	// README "Try it": a robot question, then the agent.
	access := d.accessToken()
	v1 := d.visitor(access, "visitor-1", "Ann")
	require.Equal(t, DescConnectRobot, v1.send("CONNECT", ""))
	require.Equal(t, DescRobotChat, v1.send("CHAT", "版本"))
	v1.pollUntil(func(m map[string]any) bool { return robotAnswer(m) })
	require.Equal(t, DescTransferOK, v1.send("TRANS2AGENT", ""))

	// README "Agents": agent1 logs in, gets the chat, answers and closes.
	var login struct{ Token string }
	d.call("POST", "/api/agent/v1/login", nil, map[string]string{"username": "agent1", "password": "agent1-pass"}, &login)
	agent := []string{"Authorization", "Bearer " + login.Token}
	d.call("PUT", "/api/agent/v1/status", agent, map[string]string{"status": "READY"}, nil)
	var conv string
	require.Eventually(t, func() bool {
		var list struct{ Conversations []struct{ ID, Phase string } }
		d.call("GET", "/api/agent/v1/conversations", agent, nil, &list)
		if len(list.Conversations) == 1 && list.Conversations[0].Phase == string(PhaseAgent) {
			conv = list.Conversations[0].ID
		}
		return conv != ""
	}, 30*time.Second, 200*time.Millisecond)
	d.call("POST", "/api/agent/v1/conversations/"+conv+"/messages", agent, map[string]string{"content": "您好，请问有什么可以帮您？"}, nil)
	d.call("POST", "/api/agent/v1/conversations/"+conv+"/close", agent, nil, nil)
	v1.pollUntil(func(m map[string]any) bool { return m["content"] == Text("zh", textRateAsk) })
	var rated map[string]any
	d.call("POST", "/apiaccess/ccmessaging/saveSatisfaction", v1.headers, map[string]string{
		"channel": "WEB", "userId": "visitor-1", "evaluation": "5", "comment": "很满意", "channelConfigId": demoChannel,
	}, &rated)
	require.Equal(t, "0", rated["resultCode"], "saveSatisfaction: %v", rated)
	waitClosed(ctx, t, c, WorkflowID(conv))

	// A second visitor leaves the robot with DISCONNECT.
	v2 := d.visitor(access, "visitor-2", "Bob")
	require.Equal(t, DescConnectRobot, v2.send("CONNECT", ""))
	require.Equal(t, DescRobotChat, v2.send("CHAT", "网格"))
	v2.pollUntil(func(m map[string]any) bool { return robotAnswer(m) })
	require.Equal(t, DescDisconnectRobot, v2.send("DISCONNECT", ""))

	// The agent leaves: routing's history gets an OFFLINE too.
	d.call("PUT", "/api/agent/v1/status", agent, map[string]string{"status": "OFFLINE"}, nil)

	found := map[string]string{}
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'Conversation'"})
		require.NoError(t, err)
		for _, e := range resp.Executions {
			var user string
			if p := e.GetSearchAttributes().GetIndexedFields()[SAUser.GetName()]; p != nil {
				_ = json.Unmarshal(p.GetData(), &user)
			}
			if _, ok := recordedConversationIDs[user]; ok {
				found[user] = e.GetExecution().GetWorkflowId()
			}
		}
		return len(found) == len(recordedConversationIDs)
	}, 30*time.Second, 500*time.Millisecond)
	for user, file := range recordedConversationIDs {
		waitClosed(ctx, t, c, found[user])
		writeHistory(ctx, t, c, found[user], file)
	}
	writeHistory(ctx, t, c, routing.WorkflowID("demo"), historyRoutingDemo)
}

// waitClosed waits until a workflow completed: closed, deliveries done, routing told.
func waitClosed(ctx context.Context, t *testing.T, c client.Client, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		require.NoError(t, err)
		return d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, time.Minute, 200*time.Millisecond, "workflow %s did not complete", id)
}

// writeHistory saves a workflow's history (its current run) as the JSON
// worker.WorkflowReplayer.ReplayWorkflowHistoryFromJSONFile reads.
func writeHistory(ctx context.Context, t *testing.T, c client.Client, id, file string) {
	t.Helper()
	writeHistoryOf(ctx, t, c, id, "", file)
}

// writeHistoryOf saves the history of one run ("" for the current one).
func writeHistoryOf(ctx context.Context, t *testing.T, c client.Client, id, runID, file string) {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
	require.NoError(t, os.WriteFile(file, append(b, '\n'), 0o644))
	t.Logf("%s: %d events from %s", file, len(h.Events), id)
}

// robotAnswer tells the robot's answer from its greeting (seq 2).
func robotAnswer(m map[string]any) bool {
	seq, _ := m["seq"].(float64)
	return m["sourceType"] == "ROBOT" && seq > 2
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// driver calls ccflow's HTTP API as the README's curl session does.
type driver struct {
	t   *testing.T
	api string
}

// call sends a JSON request with header pairs and decodes a 2xx answer into out.
func (d *driver) call(method, path string, headers []string, body, out any) {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(d.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.api+path, rd)
	require.NoError(d.t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(d.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(d.t, err)
	require.Less(d.t, resp.StatusCode, 300, "%s %s: %d %s", method, path, resp.StatusCode, b)
	if out != nil {
		require.NoError(d.t, json.Unmarshal(b, out), "%s %s: %s", method, path, b)
	}
}

func (d *driver) accessToken() string {
	var out struct{ AccessToken string }
	d.call("POST", "/apigovernance/api/oauth/tokenByAkSk", []string{"X-Token-Expire", "600"},
		map[string]string{"app_key": "demo-app-key", "app_secret": "demo-app-secret"}, &out)
	require.NotEmpty(d.t, out.AccessToken)
	return out.AccessToken
}

// visitor is one visitor's session with the customer API.
type visitor struct {
	d       *driver
	user    string
	headers []string
	cursor  int64
}

func (d *driver) visitor(access, user, name string) *visitor {
	auth := []string{"x-app-key", "demo-app-key", "Authorization", "Bearer " + access}
	var out struct{ Token string }
	d.call("POST", "/apiaccess/ccmessaging/applyToken", auth,
		map[string]string{"userId": user, "userName": name, "channelId": demoChannel, "locale": "zh"}, &out)
	require.NotEmpty(d.t, out.Token)
	return &visitor{d: d, user: user, headers: append(auth, "ccmessaging-token", out.Token)}
}

// send is the README's send(): it answers resultDesc, which must come with code 0.
func (v *visitor) send(controlType, content string) string {
	v.d.t.Helper()
	var out struct{ ResultCode, ResultDesc string }
	v.d.call("POST", "/apiaccess/ccmessaging/send", v.headers, map[string]string{
		"controlType": controlType, "content": content, "from": v.user, "to": demoChannel,
		"mediaType": "TEXT", "sourceType": "CUSTOMER", "channel": "WEB",
	}, &out)
	require.Equal(v.d.t, "0", out.ResultCode, "%s: %s", controlType, out.ResultDesc)
	return out.ResultDesc
}

// pollUntil long-polls until a downlink message satisfies ok.
func (v *visitor) pollUntil(ok func(map[string]any) bool) {
	v.d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var out struct {
			Cursor           int64
			DownlinkMessages []map[string]any
		}
		v.d.call("GET", fmt.Sprintf("/apiaccess/ccmessaging/poll?receiverId=%s&channel=WEB&wait=5&cursor=%d", v.user, v.cursor), v.headers, nil, &out)
		v.cursor = max(v.cursor, out.Cursor)
		for _, m := range out.DownlinkMessages {
			if ok(m) {
				return
			}
		}
	}
	v.d.t.Fatalf("%s: the awaited message never came", v.user)
}
