package integration

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// mediaBrowser is a Chromium whose microphone and camera are fake devices
// that need no permission prompt.
func mediaBrowser(t *testing.T) *browser {
	return newBrowser(t, chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true))
}

// freeUDPPort returns a UDP port nothing listens on right now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	port := c.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, c.Close())
	return port
}

// watchAudio makes the page keep window.audioIn at the inbound audio bytes
// of its call connection (0 without one), read from getStats() every 200 ms.
func watchAudio(b *browser, handle string) {
	b.t.Helper()
	_, err := eval[bool](b, `(() => { window.audioIn = 0; setInterval(async () => {
	  const pc = (window.`+handle+` || {}).pc; if (!pc) { window.audioIn = 0; return; } let n = 0;
	  (await pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.bytesReceived; });
	  window.audioIn = n; }, 200); return true; })()`)
	require.NoError(b.t, err)
}

// TestClickToCallInTwoBrowsers: a visitor's chat page and agent1's console,
// each in headless Chromium with fake audio, call through ccflow on
// 127.0.0.1 (relay only, through the embedded TURN server): the visitor
// clicks the call button, the console rings, the agent accepts, both sides'
// getStats() count audio bytes received, and a hang-up from either side
// ends the call for both, which the events say.
func TestClickToCallInTwoBrowsers(t *testing.T) {
	n := newNode(t)
	env := n.env()
	env["CCFLOW_TURN_ADDR"] = "127.0.0.1:" + strconv.Itoa(freeUDPPort(t))
	env["CCFLOW_CALL_RELAY_ONLY"] = "true"
	p := start(t, env)
	base := n.url()
	waitReady(t, p, base)
	key, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	on := rawRequest(t, http.MethodPut, base+"/api/admin/v1/channel-configs/1011577355744904195/click-to-call",
		map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(key))}, map[string]any{"enabled": true})
	require.Equal(t, http.StatusOK, on.status, string(on.body))

	// agent1 logs in to the console and goes ready.
	agent := mediaBrowser(t)
	agent.run("open the console", chromedp.Navigate(base+"/agent"), chromedp.WaitVisible(chromedp.CSS("#login-user")))
	agent.run("log in", chromedp.SendKeys(chromedp.CSS("#login-user"), "agent1"), chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent1-pass"+kb.Enter))
	agent.waitJS("the console opens", `document.body.dataset.view === 'console'`)
	agent.run("go ready", chromedp.Click(chromedp.CSS(`#presence button[data-status=READY]`)))
	agent.waitJS("the agent is ready", `document.body.dataset.status === 'READY'`)
	watchAudio(agent, "ccflowAgentCall")

	visitor := mediaBrowser(t)
	link := chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"11"}, "visiter_id": {"call-visitor"}, "visiter_name": {"韩梅梅"}})
	for round, hangUp := range []string{"visitor", "agent"} {
		if round == 0 {
			visitor.run("open the chat", chromedp.Navigate(base+link))
			visitor.waitText("#status", "智能客服为您服务")
			watchAudio(visitor, "ccflowCall")
		}
		visitor.waitJS("no call, no audio", `window.audioIn === 0`)
		visitor.waitJS("the call button is offered", `!document.getElementById('call-bar').hidden && !document.getElementById('call-start').hidden`)
		visitor.run("call", chromedp.Click(chromedp.CSS("#call-start")))
		agent.waitJS("the console rings", `document.querySelector('#calls .call[data-state=RINGING] #call-accept')`)
		agent.run("accept", chromedp.Click(chromedp.CSS("#call-accept")))
		agent.waitJS("connected on the console", `document.querySelector('#calls .call[data-state=CONNECTED]')`)
		visitor.waitJS("the visitor got the connected event", `window.ccflowCall.lastEvent === '168101 Call connected'`)
		visitor.waitJS("the visitor receives audio", `window.audioIn > 1000`)
		agent.waitJS("the agent receives audio", `window.audioIn > 1000`)
		visitor.waitJS("the duration runs", `/^0:0[1-9]|^0:[1-5]/.test(document.getElementById('call-time').textContent)`)

		if hangUp == "visitor" {
			visitor.run("the visitor hangs up", chromedp.Click(chromedp.CSS("#call-hangup")))
		} else {
			agent.run("the agent hangs up", chromedp.Click(chromedp.CSS("#call-hangup")))
		}
		visitor.waitJS("the event says the call ended", `window.ccflowCall.lastEvent === '168102 Call disconnected' && window.ccflowCall.state === 'idle'`)
		visitor.waitText("#call-status", "通话已结束")
		agent.waitJS("the console ends the call", `!document.querySelector('#calls .call') && document.getElementById('call-note')?.textContent === '通话已结束'`)
		agent.waitJS("the console's connection is closed", `window.ccflowAgentCall.pc === null`)
		visitor.waitJS("the call's notice is in the chat", `[...document.querySelectorAll('#messages li .bubble')].some(b => b.textContent.startsWith('通话已结束，通话时长'))`)
	}
	visitor.requireNoScriptErrors()
	agent.requireNoScriptErrors()
}
