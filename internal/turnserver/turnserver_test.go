package turnserver

import (
	"crypto/rand"
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v4"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/clicktocall"
)

// allocate asks the server for a relay with the given credentials.
func allocate(t *testing.T, s *Server, user, pass string) error {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	addr := s.addr.String()
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn, Username: user, Password: pass, Realm: Realm,
	})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Listen())
	relay, err := c.Allocate()
	if err == nil {
		require.Equal(t, "127.0.0.1", relay.LocalAddr().(*net.UDPAddr).IP.String())
		_ = relay.Close()
	}
	return err
}

// TestRelaysOnlyForACallsUnexpiredCredentials: the credentials ccflow hands
// out for a call allocate a relay; a wrong password or an expired username
// is refused.
func TestRelaysOnlyForACallsUnexpiredCredentials(t *testing.T) {
	secret := rand.Text()
	s, err := Start("127.0.0.1:0", "", secret)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	require.Contains(t, s.URL(), "turn:127.0.0.1:")

	ice := clicktocall.ICEConfig{TURNURLs: []string{s.URL()}, Secret: secret, TTL: time.Minute}
	servers := ice.Servers("call-1", time.Now())
	require.Len(t, servers, 1)
	require.NoError(t, allocate(t, s, servers[0].Username, servers[0].Credential))

	require.Error(t, allocate(t, s, servers[0].Username, "wrong"))
	old := clicktocall.TURNUsername(time.Now().Add(-time.Second), "call-1")
	require.Error(t, allocate(t, s, old, clicktocall.TURNPassword(secret, old)), "expired credentials")
}
