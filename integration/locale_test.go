package integration

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// One language per conversation (issue 11): a visitor whose token says
// English, on the demo's zh channel, reads English from ccflow throughout:
// the robot's FAQ answer and its "did not understand", and the system's
// notices. Only the greeting, the tenant's own text, stays as configured.
func TestOneLanguagePerConversation(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())

	v := newVisitorIn(t, n.url(), "english-visitor", "en")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	v.waitGreeting()
	require.Equal(t, "0", v.send("CHAT", "invoice").ResultCode)
	require.Equal(t, "0", v.send("CHAT", "qwertyuiop zxcv").ResultCode)
	var got []string
	eventually(t, 30*time.Second, "the robot answered both", func() error {
		got = got[:0]
		robot := 0
		for _, m := range v.poll() {
			got = append(got, m.Content)
			if m.SourceType == "ROBOT" {
				robot++
			}
		}
		if robot < 3 {
			return fmt.Errorf("robot lines so far: %q", got)
		}
		return nil
	})
	require.Contains(t, got, "Electronic invoices are emailed once your order is delivered; you can also download them under My Orders.")
	require.Contains(t, got, `Sorry, I did not understand. Please rephrase, or type "agent" to talk to a person.`)

	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	eventually(t, 30*time.Second, "the queue notice", func() error {
		got = got[:0]
		for _, m := range v.poll() {
			got = append(got, m.Content)
		}
		if !slices.Contains(got, "Transferring you to an agent, please wait.") {
			return fmt.Errorf("messages: %q", got)
		}
		return nil
	})
	require.NotContains(t, got, "正在为您转接人工座席，请稍候。")
	require.NotContains(t, got, "抱歉，我还不太理解您的问题，您可以换个说法，或者输入“转人工”。")
}
