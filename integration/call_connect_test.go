package integration

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// adminHeader is the node's admin key as a request header.
func adminHeader(t testing.TB, n node) map[string]string {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	return map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(key))}
}

// allowCalls turns click-to-call on for the demo channel, video too if asked.
func allowCalls(t testing.TB, base string, admin map[string]string, video bool) {
	t.Helper()
	on := rawRequest(t, http.MethodPut, base+"/api/admin/v1/channel-configs/"+demoChannel+"/click-to-call",
		admin, map[string]any{"enabled": true, "videoAllowed": video})
	require.Equal(t, http.StatusOK, on.status, string(on.body))
}

// TestCallRightAfterConnect: a visitor who places a call the moment their
// CONNECT is answered gets the call (0), not "no conversation" (13). The
// CONNECT's answer does not wait for the conversation's workflow to start;
// the call starts it when it is not running yet.
func TestCallRightAfterConnect(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	allowCalls(t, base, adminHeader(t, n), false)

	for i := range 5 {
		v := newVisitor(t, base, fmt.Sprintf("quick-caller-%d", i))
		require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
		var res struct{ ResultCode, ResultDesc string }
		require.Equal(t, http.StatusOK, call(t, http.MethodPost, base+"/apiaccess/ccmessaging/v1/createClickToCall", v.headers(),
			map[string]string{"channel": "WEB", "mediaAbility": "0"}, &res))
		require.Equal(t, "0", res.ResultCode, "visitor %d: %s", i, res.ResultDesc)
	}
}
