package conversation

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/call"
)

// The histories of a conversation with a click-to-call, recorded by
// TestRecordCallHistories (issue 15; the older histories stay as they
// were recorded, so that they keep testing the code before the change).
var (
	historyCallConversation = filepath.Join("testdata", "call-conversation.json")
	historyCall             = filepath.Join("..", "call", "testdata", "call-connected.json")
)

// TestRecordCallHistories records a conversation whose visitor places a
// click-to-call from the robot phase: the call transfers the conversation,
// routing assigns agent1, the call rings, agent1 accepts, the visitor hangs
// up, then leaves. Run it like TestRecordHistories (CCFLOW_RECORD_HISTORIES=1
// and CCFLOW_RECORD_DATA_DIR for the admin key, which turns click-to-call on).
func TestRecordCallHistories(t *testing.T) {
	if os.Getenv("CCFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("records histories from a running all-in-one; set CCFLOW_RECORD_HISTORIES=1")
	}
	dir := os.Getenv("CCFLOW_RECORD_DATA_DIR")
	require.NotEmpty(t, dir, "CCFLOW_RECORD_DATA_DIR names the all-in-one's data directory (its admin key)")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: envOr("CCFLOW_RECORD_TEMPORAL", recordTemporal)})
	require.NoError(t, err)
	defer c.Close()
	d := &driver{t: t, api: envOr("CCFLOW_RECORD_API", recordAPI)}
	key, err := os.ReadFile(filepath.Join(dir, "admin-key"))
	require.NoError(t, err)
	admin := []string{"Authorization", "Bearer " + strings.TrimSpace(string(key))}
	d.call("PUT", "/api/admin/v1/channel-configs/"+demoChannel+"/click-to-call", admin, map[string]any{"enabled": true}, nil)

	var login struct{ Token string }
	d.call("POST", "/api/agent/v1/login", nil, map[string]string{"username": "agent1", "password": "agent1-pass"}, &login)
	agent := []string{"Authorization", "Bearer " + login.Token}
	d.call("PUT", "/api/agent/v1/status", agent, map[string]string{"status": "READY"}, nil)

	v := d.visitor(d.accessToken(), "visitor-3", "Cal")
	require.Equal(t, DescConnectRobot, v.send("CONNECT", ""))
	var res struct{ ResultCode, ResultDesc string }
	d.call("POST", "/apiaccess/ccmessaging/v1/createClickToCall", v.headers, map[string]string{"channel": "WEB", "mediaAbility": "0"}, &res)
	require.Equal(t, "0", res.ResultCode, res.ResultDesc)

	var callID string
	require.Eventually(t, func() bool {
		var list struct{ Calls []struct{ ID, State string } }
		d.call("GET", "/api/agent/v1/calls", agent, nil, &list)
		if len(list.Calls) == 1 && list.Calls[0].State == string(call.StateRinging) {
			callID = list.Calls[0].ID
		}
		return callID != ""
	}, 30*time.Second, 200*time.Millisecond)
	d.call("POST", "/api/agent/v1/calls/"+callID+"/accept", agent, nil, nil)
	d.call("POST", "/apiaccess/ccmessaging/v1/dropClickToCall", v.headers, map[string]string{"channel": "WEB"}, &res)
	require.Equal(t, "0", res.ResultCode, res.ResultDesc)
	waitClosed(ctx, t, c, call.WorkflowID(callID))
	require.Equal(t, DescDisconnect, v.send("DISCONNECT", ""))
	require.Equal(t, DescDisconnect, v.send("DISCONNECT", ""))

	var convs struct{ Conversations []struct{ ID, UserID string } }
	d.call("GET", "/api/agent/v1/conversations?scope=recent", agent, nil, &convs)
	var conv string
	for _, cv := range convs.Conversations {
		if cv.UserID == "visitor-3" {
			conv = cv.ID
		}
	}
	require.NotEmpty(t, conv)
	waitClosed(ctx, t, c, WorkflowID(conv))
	writeHistory(ctx, t, c, WorkflowID(conv), historyCallConversation)
	writeHistory(ctx, t, c, call.WorkflowID(callID), historyCall)
	d.call("PUT", "/api/agent/v1/status", agent, map[string]string{"status": "OFFLINE"}, nil)
}
