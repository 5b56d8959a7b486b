package integration

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ccflow/ccflow/internal/sipcall/siptest"
	"github.com/ccflow/ccflow/models"
	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// sipNode is an all-in-one with its SIP service on and a trunk of the
// test's own.
type sipNode struct {
	node
	proc    *proc
	sipAddr string
	trunk   *siptest.Trunk
	app     *siptest.App
}

// startSIPNode runs the all-in-one with CCFLOW_SIP_* pointing at an
// in-process trunk, and turns the demo tenant's outbound calls on.
func startSIPNode(t testing.TB, ttl time.Duration) *sipNode {
	t.Helper()
	n := &sipNode{node: newNode(t), trunk: siptest.StartTrunk(t), app: siptest.NewApp(t)}
	n.sipAddr = "127.0.0.1:" + strconv.Itoa(siptest.FreeUDPPort(t))
	env := n.env()
	env["CCFLOW_SIP_ADDR"] = n.sipAddr
	env["CCFLOW_SIP_TRUNK_ADDR"] = n.trunk.Addr()
	env["CCFLOW_SIP_TRUNK_USERNAME"] = siptest.TrunkUser
	env["CCFLOW_SIP_TRUNK_PASSWORD"] = siptest.TrunkPass
	env["CCFLOW_SIP_ACCESS_CODE_TTL"] = ttl.String()
	n.proc = start(t, env)
	waitReady(t, n.proc, n.url())
	key, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	on := rawRequest(t, http.MethodPut, n.url()+"/api/admin/v1/tenants/"+models.DemoTenantID+"/outbound-calls",
		map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(key))}, map[string]any{"enabled": true})
	require.Equal(t, http.StatusOK, on.status)
	return n
}

// createCallResult is createcall's answer.
type createCallResult struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
	ResultData struct {
		CallSerialNo      string `json:"callSerialNo"`
		SIPServiceAddress string `json:"sipServiceAddress"`
		AccessCode        string `json:"accesscode"`
	} `json:"resultData"`
}

// createCall asks for a call to called as the demo app.
func (n *sipNode) createCall(t testing.TB, app map[string]string, called string) createCallResult {
	t.Helper()
	var res createCallResult
	require.Equal(t, http.StatusOK, call(t, http.MethodPost, n.url()+"/apiaccess/ccmessaging/v1/mobileagent/createcall", app,
		map[string]string{"called": called, "callData": "order 42", "callerPresent": "95599"}, &res))
	require.Equal(t, "0", res.ResultCode, res.ResultDesc)
	return res
}

// appHeaders are the demo app's credentials (an AccessToken from tokenByAkSk).
func appHeaders(t testing.TB, base string) map[string]string {
	t.Helper()
	return newVisitor(t, base, "field-agent").appHeaders()
}

// waitRow waits for the call's record to reach state.
func waitRow(t testing.TB, dataDir, serial, state string) models.OutboundCall {
	t.Helper()
	db := openAppDB(t, dataDir)
	var row models.OutboundCall
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		row = models.OutboundCall{}
		if err = db.Where("call_serial_no = ?", serial).Take(&row).Error; err == nil && row.State == state {
			return row
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the call's record did not reach %s: it is %q (%v)", state, row.State, err)
	return row
}

// TestSIPOutboundCall runs spec 003 §16 end to end on the real binary: an
// app asks createcall for a call, dials the access code at ccflow's SIP
// service; ccflow calls the trunk (digest auth), which answers as the
// called number; RTP flows both ways through ccflow; the app's BYE ends
// both legs and the workflow records the end. A reused code is refused
// (403 during the call, 404 after it), and so is an expired one.
func TestSIPOutboundCall(t *testing.T) {
	n := startSIPNode(t, 8*time.Second)
	app := appHeaders(t, n.url())
	res := n.createCall(t, app, "88884432")
	require.Equal(t, n.sipAddr, res.ResultData.SIPServiceAddress)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, med, err := n.app.Dial(ctx, res.ResultData.SIPServiceAddress, res.ResultData.AccessCode)
	require.NoError(t, err)
	appAudio := siptest.StartAudio(t, med)
	defer appAudio.Halt()
	var tc siptest.TrunkCall
	select {
	case tc = <-n.trunk.Got:
	case <-ctx.Done():
		t.Fatal("the trunk got no call")
	}
	require.Equal(t, "88884432", tc.To)
	require.Equal(t, "95599", tc.From, "the called party sees callerPresent")
	waitRow(t, n.dataDir, res.ResultData.CallSerialNo, "CONNECTED")
	require.Eventually(t, func() bool { return appAudio.Received.Load() >= 25 && tc.Audio.Received.Load() >= 25 },
		15*time.Second, 20*time.Millisecond, "RTP both ways: the app got %d packets, the called party %d", appAudio.Received.Load(), tc.Audio.Received.Load())

	_, _, err = n.app.Dial(ctx, res.ResultData.SIPServiceAddress, res.ResultData.AccessCode)
	require.Equal(t, 403, siptest.Status(t, err), "the access code is single-use")

	require.NoError(t, d.Hangup(ctx))
	select {
	case <-tc.Ended:
	case <-ctx.Done():
		t.Fatal("the app's BYE did not end the trunk leg")
	}
	row := waitRow(t, n.dataDir, res.ResultData.CallSerialNo, "ENDED")
	require.Equal(t, flow.DescAppHangUp, row.EndReason)
	require.Nil(t, row.AccessCode, "the ended call's code is cleared")
	require.NotNil(t, row.ConnectedAt)
	require.Equal(t, "order 42", row.CallData)
	waitClosedWorkflow(t, n.temporal(), flow.WorkflowID(res.ResultData.CallSerialNo))

	_, _, err = n.app.Dial(ctx, res.ResultData.SIPServiceAddress, res.ResultData.AccessCode)
	require.Equal(t, 404, siptest.Status(t, err), "an ended call's code names no call")

	// The called party hangs up a second call.
	n.trunk.HangUp.Store(int64(time.Second))
	res2 := n.createCall(t, app, "88884433")
	d2, med2, err := n.app.Dial(ctx, res2.ResultData.SIPServiceAddress, res2.ResultData.AccessCode)
	require.NoError(t, err)
	appAudio2 := siptest.StartAudio(t, med2)
	defer appAudio2.Halt()
	select {
	case <-d2.Context().Done():
	case <-ctx.Done():
		t.Fatal("the called party's BYE did not end the app's leg")
	}
	row = waitRow(t, n.dataDir, res2.ResultData.CallSerialNo, "ENDED")
	require.Equal(t, flow.DescCalledHung, row.EndReason)
	n.trunk.HangUp.Store(0)

	// Nobody dials a third call: its code expires.
	res3 := n.createCall(t, app, "88884434")
	row = waitRow(t, n.dataDir, res3.ResultData.CallSerialNo, "EXPIRED")
	require.Nil(t, row.AccessCode)
	_, _, err = n.app.Dial(ctx, res3.ResultData.SIPServiceAddress, res3.ResultData.AccessCode)
	require.Equal(t, 404, siptest.Status(t, err), "an expired code is refused")

	key, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	info := rawRequest(t, http.MethodGet, n.url()+"/api/admin/v1/sip", map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(key))}, nil)
	require.Equal(t, http.StatusOK, info.status)
	require.Equal(t, true, info.object(t)["trunkPasswordSet"])
	require.NotContains(t, string(info.body), siptest.TrunkPass, "the admin API never returns the trunk's password")
	require.NotContains(t, n.proc.output(), siptest.TrunkPass, "nor does the log show it")

	if os.Getenv("CCFLOW_RECORD_HISTORIES") == "1" {
		recordHistory(t, n.temporal(), flow.WorkflowID(res.ResultData.CallSerialNo), "outbound-connected.json")
		recordHistory(t, n.temporal(), flow.WorkflowID(res3.ResultData.CallSerialNo), "outbound-expired.json")
	}
}

// waitClosedWorkflow waits until a workflow has completed.
func waitClosedWorkflow(t testing.TB, temporalAddr, id string) {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: temporalAddr})
	require.NoError(t, err)
	defer c.Close()
	require.Eventually(t, func() bool {
		d, err := c.DescribeWorkflowExecution(context.Background(), id, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, 30*time.Second, 100*time.Millisecond, "workflow %s completes", id)
}

// recordHistory saves a workflow's history for workflows/outbound's replay
// test (CCFLOW_RECORD_HISTORIES=1).
func recordHistory(t testing.TB, temporalAddr, id, name string) {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: temporalAddr})
	require.NoError(t, err)
	defer c.Close()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	file := filepath.Join("..", "workflows", "outbound", "testdata", name)
	require.NoError(t, os.WriteFile(file, append(b, '\n'), 0o644))
	t.Logf("%s: %d events from %s", file, len(h.Events), id)
}

// TestSIPTenantTrunk: a trunk an operator gives the tenant through the
// admin API, while the server runs, is the one its next call reaches (a
// second in-process trunk with digest credentials of its own); wrong
// credentials are refused by that trunk; deleting it sends the next call
// back through the process's trunk. Neither password is ever returned or
// logged.
func TestSIPTenantTrunk(t *testing.T) {
	n := startSIPNode(t, time.Minute)
	const tenantUser, tenantPass = "tenant-demo", "tenant-trunk-secret"
	own := siptest.StartTrunkWith(t, tenantUser, tenantPass)
	key, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	admin := map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(key))}
	trunkURL := n.url() + "/api/admin/v1/tenants/" + models.DemoTenantID + "/sip-trunk"
	app := appHeaders(t, n.url())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// placeCall dials a new call and answers the trunk that got it.
	placeCall := func(called string) (*siptest.Trunk, siptest.TrunkCall) {
		t.Helper()
		res := n.createCall(t, app, called)
		d, med, err := n.app.Dial(ctx, res.ResultData.SIPServiceAddress, res.ResultData.AccessCode)
		require.NoError(t, err)
		audio := siptest.StartAudio(t, med)
		defer audio.Halt()
		var got *siptest.Trunk
		var tc siptest.TrunkCall
		select {
		case tc = <-own.Got:
			got = own
		case tc = <-n.trunk.Got:
			got = n.trunk
		case <-ctx.Done():
			t.Fatal("no trunk got the call")
		}
		require.Equal(t, called, tc.To)
		require.Eventually(t, func() bool { return audio.Received.Load() >= 10 && tc.Audio.Received.Load() >= 10 },
			15*time.Second, 20*time.Millisecond, "RTP both ways")
		require.NoError(t, d.Hangup(ctx))
		<-tc.Ended
		waitRow(t, n.dataDir, res.ResultData.CallSerialNo, "ENDED")
		return got, tc
	}

	got, _ := placeCall("88880001")
	require.Same(t, n.trunk, got, "without a trunk of its own the tenant dials the process's")

	set := rawRequest(t, http.MethodPut, trunkURL, admin, map[string]string{"address": "sip:" + own.Addr(), "username": tenantUser, "password": tenantPass})
	require.Equal(t, http.StatusOK, set.status, string(set.body))
	require.Equal(t, own.Addr(), set.object(t)["address"])
	require.Equal(t, true, set.object(t)["custom"])
	got, _ = placeCall("88880002")
	require.Same(t, own, got, "the tenant's own trunk, from its next call on, without a restart")

	// The tenant's trunk checks its digest credentials: a wrong password
	// is refused there and the call never reaches it.
	wrong := rawRequest(t, http.MethodPut, trunkURL, admin, map[string]string{"address": own.Addr(), "username": tenantUser, "password": "wrong-password"})
	require.Equal(t, http.StatusOK, wrong.status, string(wrong.body))
	res := n.createCall(t, app, "88880003")
	_, _, err = n.app.Dial(ctx, res.ResultData.SIPServiceAddress, res.ResultData.AccessCode)
	require.Error(t, err, "the trunk refused the wrong credentials")
	require.GreaterOrEqual(t, siptest.Status(t, err), 400)
	require.Empty(t, own.Got, "no call was answered with the wrong password")
	waitRow(t, n.dataDir, res.ResultData.CallSerialNo, "FAILED")

	del := rawRequest(t, http.MethodDelete, trunkURL, admin, nil)
	require.Equal(t, http.StatusOK, del.status, string(del.body))
	require.Equal(t, false, del.object(t)["custom"])
	got, _ = placeCall("88880004")
	require.Same(t, n.trunk, got, "deleted: back to the process's trunk")

	for _, secret := range []string{tenantPass, "wrong-password", siptest.TrunkPass} {
		require.NotContains(t, string(set.body)+string(wrong.body)+string(del.body), secret, "the admin API never returns a trunk's password")
		require.NotContains(t, n.proc.output(), secret, "nor does the log show it")
	}
}
