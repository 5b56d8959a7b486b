package integration

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCrashKeepsConversations kills the all-in-one in the middle of a
// conversation and starts it again on the same data directory.
func TestCrashKeepsConversations(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())

	v := newVisitor(t, n.url(), "crash-visitor")
	v.send("CONNECT", "")
	greeting := v.waitGreeting()
	for i := 1; i <= 3; i++ {
		require.Equal(t, "0", v.send("CHAT", fmt.Sprintf("before crash %d", i)).ResultCode)
	}
	p.kill()

	p2 := start(t, n.env())
	t.Logf("restart after SIGKILL: /readyz 200 after %s", waitReady(t, p2, n.url()))

	// Every message sent before the kill is still delivered and recorded.
	msgs := v.poll()
	require.NotEmpty(t, msgs)
	require.Equal(t, greeting.MessageCode, msgs[0].MessageCode)
	db := openAppDB(t, n.dataDir)
	want := []string{"RC:HsMsg ", "RC:TxtMsg before crash 1", "RC:TxtMsg before crash 2", "RC:TxtMsg before crash 3"}
	eventually(t, 60*time.Second, "messages sent before the kill are in the database", func() error {
		got, err := recordedContents(db, v.id, "CUSTOMER")
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("records %q", got)
		}
		return nil
	})

	robot, err := recordedContents(db, v.id, "ROBOT")
	require.NoError(t, err)
	require.Equal(t, "RC:TxtMsg 欢迎欢迎，热烈欢迎", robot[0])

	// The same conversation goes on: no second greeting, new messages recorded after the old ones.
	require.Equal(t, "0", v.send("CHAT", "after restart").ResultCode)
	// Only the phase deadline's timer is pending: sends must not leave timers behind.
	require.LessOrEqual(t, pendingTimers(t, n.temporal(), workflowOf(t, db, demoChannel, v.id)), 1)
	require.Equal(t, "0", v.send("DISCONNECT", "").ResultCode)
	eventually(t, 60*time.Second, "conversation goes on after the restart", func() error {
		got, err := recordedContents(db, v.id, "CUSTOMER")
		if err != nil {
			return err
		}
		full := append(slices.Clone(want), "RC:TxtMsg after restart", "RC:SpMsg ")
		if !slices.Equal(got, full) {
			return fmt.Errorf("records %q", got)
		}
		return nil
	})
	p2.terminate()
}
