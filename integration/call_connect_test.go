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

// TestCallRightAfterConnect: a visitor who places a call the moment their
// CONNECT is answered gets the call (0), not "no conversation" (13). The
// CONNECT's answer does not wait for the conversation's workflow to start;
// the call starts it when it is not running yet.
func TestCallRightAfterConnect(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	key, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	on := rawRequest(t, http.MethodPut, base+"/api/admin/v1/channel-configs/"+demoChannel+"/click-to-call",
		map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(key))}, map[string]any{"enabled": true})
	require.Equal(t, http.StatusOK, on.status)

	for i := range 5 {
		v := newVisitor(t, base, fmt.Sprintf("quick-caller-%d", i))
		require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
		var res struct{ ResultCode, ResultDesc string }
		require.Equal(t, http.StatusOK, call(t, http.MethodPost, base+"/apiaccess/ccmessaging/v1/createClickToCall", v.headers(),
			map[string]string{"channel": "WEB", "mediaAbility": "0"}, &res))
		require.Equal(t, "0", res.ResultCode, "visitor %d: %s", i, res.ResultDesc)
	}
}
