package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// queued answers whether the visitor waits in a queue (queryQueueInfo's
// resultCode 0) rather than being served.
func (v *visitor) queued(base string) bool {
	v.t.Helper()
	qi := rawRequest(v.t, http.MethodPost, base+"/apiaccess/ccmessaging/queryQueueInfo", v.headers(),
		map[string]any{"userId": v.id, "channelConfigId": demoChannel, "channel": "WEB"}).object(v.t)
	return qi["resultCode"] == "0"
}

// TestAgentSessionsEndOnLogoutAndDeletion runs the revocations against the
// running stack: after a logout the old token cannot set READY again, and an
// agent deleted mid-conversation loses their session at once while their
// visitor goes back to the queue.
func TestAgentSessionsEndOnLogoutAndDeletion(t *testing.T) {
	const adminKey = "integration-admin-key-0123456789"
	n := newNode(t)
	p := start(t, with(n.env(), "CCFLOW_ADMIN_KEY", adminKey))
	base := n.url()
	waitReady(t, p, base)
	waitOutput(t, p, "CCFLOW_TEMPORAL_BIND_HOST")
	out := p.output()
	require.Contains(t, out, "loopback only; CCFLOW_TEMPORAL_BIND_HOST exposes it", "the banner says who reaches Temporal")
	require.Contains(t, out, "metrics: "+base+"/metrics (loopback only")

	a1 := loginAgent(t, base, "agent1", "agent1-pass")
	a1.setStatus("READY")
	v := newVisitor(t, base, "session-user")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	a1.waitAssigned("session-user")

	code, _ := a1.do(http.MethodPost, "/logout", nil)
	require.Equal(t, http.StatusOK, code)
	v.waitDownlink("the visitor is told the agent left", "SYSTEM", "座席已离开，正在为您重新排队。")
	code, body := a1.do(http.MethodPut, "/status", map[string]string{"status": "READY"})
	require.Equal(t, http.StatusUnauthorized, code, "a logged-out session cannot come back: %v", body)
	require.Contains(t, body["message"], "session has ended")
	require.True(t, v.queued(base), "nobody serves the visitor")

	again := loginAgent(t, base, "agent1", "agent1-pass")
	again.setStatus("READY")
	convID := again.waitAssigned("session-user")
	require.False(t, v.queued(base))

	admin := map[string]string{"Authorization": "Bearer " + adminKey}
	del := rawRequest(t, http.MethodDelete, base+"/api/admin/v1/agents/agent1", admin, nil)
	require.Equal(t, http.StatusNoContent, del.status)
	code, body = again.do(http.MethodGet, "/me", nil)
	require.Equal(t, http.StatusUnauthorized, code, "a deleted agent's session ends at once: %v", body)
	require.Equal(t, http.StatusUnauthorized, again.say(convID, "still here?"))
	eventually(t, 30*time.Second, "the deleted agent's visitor is queued again", func() error {
		if !v.queued(base) {
			return errNotYet
		}
		return nil
	})
}
