package integration

import (
	"net"
	"net/url"
	"strconv"
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

// watchMedia makes the page keep window.audioIn and window.videoIn at the
// inbound audio and video bytes of its call connection (0 without one),
// read from getStats() every 200 ms.
func watchMedia(b *browser, handle string) {
	b.t.Helper()
	_, err := eval[bool](b, `(() => { window.audioIn = 0; window.videoIn = 0; setInterval(async () => {
	  const pc = (window.`+handle+` || {}).pc; if (!pc) { window.audioIn = 0; window.videoIn = 0; return; }
	  const n = { audio: 0, video: 0 };
	  (await pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp' && r.kind in n) n[r.kind] += r.bytesReceived; });
	  window.audioIn = n.audio; window.videoIn = n.video; }, 200); return true; })()`)
	require.NoError(b.t, err)
}

// videoShown is a script that is true when the page shows the call's
// videos: the remote one decoding frames (a fake camera's picture has a
// size), inline and playing by itself, and the local preview muted.
func videoShown(box, remote, local string) string {
	return `(() => { const box = document.getElementById('` + box + `'), r = document.getElementById('` + remote + `'),
	  l = document.getElementById('` + local + `');
	  return !box.hidden && r.srcObject && r.videoWidth > 0 && r.autoplay && r.hasAttribute('playsinline') && !r.muted
	    && l.srcObject && l.srcObject.getVideoTracks().length === 1 && l.muted && l.hasAttribute('playsinline'); })()`
}

// startCallNode starts an all-in-one whose embedded TURN server relays
// every call, and answers its URL and the admin API's headers.
func startCallNode(t *testing.T) (base string, admin map[string]string) {
	t.Helper()
	n := newNode(t)
	env := n.env()
	env["CCFLOW_TURN_ADDR"] = "127.0.0.1:" + strconv.Itoa(freeUDPPort(t))
	env["CCFLOW_CALL_RELAY_ONLY"] = "true"
	p := start(t, env)
	base = n.url()
	waitReady(t, p, base)
	return base, adminHeader(t, n)
}

// TestClickToCallInTwoBrowsers: a visitor's chat page and agent1's console,
// each in headless Chromium with a fake microphone and camera, call through
// ccflow on 127.0.0.1 (relay only, through the embedded TURN server): the
// visitor clicks the call button, the console rings, the agent accepts, both
// sides' getStats() count audio bytes received (and no video), and a
// hang-up from either side ends the call for both, which the events say.
// Then the channel allows video: after a reload the chat page offers a
// video call (mediaAbility 1), and both sides receive audio and video and
// show each other's video until the hang-up.
func TestClickToCallInTwoBrowsers(t *testing.T) {
	base, admin := startCallNode(t)
	allowCalls(t, base, admin, false)

	// agent1 logs in to the console and goes ready.
	agent := mediaBrowser(t)
	agent.run("open the console", chromedp.Navigate(base+"/agent"), chromedp.WaitVisible(chromedp.CSS("#login-user")))
	agent.run("log in", chromedp.SendKeys(chromedp.CSS("#login-user"), "agent1"), chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent1-pass"+kb.Enter))
	agent.waitJS("the console opens", `document.body.dataset.view === 'console'`)
	agent.run("go ready", chromedp.Click(chromedp.CSS(`#presence button[data-status=READY]`)))
	agent.waitJS("the agent is ready", `document.body.dataset.status === 'READY'`)
	watchMedia(agent, "ccflowAgentCall")

	visitor := mediaBrowser(t)
	link := chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"11"}, "visiter_id": {"call-visitor"}, "visiter_name": {"韩梅梅"}})
	for round, r := range []struct{ media, hangUp string }{{"audio", "visitor"}, {"audio", "agent"}, {"video", "visitor"}} {
		switch round {
		case 0:
			visitor.run("open the chat", chromedp.Navigate(base+link))
			visitor.waitText("#status", "智能客服为您服务")
			watchMedia(visitor, "ccflowCall")
		case 2:
			allowCalls(t, base, admin, true)
			visitor.run("reload the chat", chromedp.Reload())
			visitor.waitJS("the chat is back", `document.getElementById('text') && !document.getElementById('text').disabled`)
			watchMedia(visitor, "ccflowCall")
		}
		visitor.waitJS("no call, no audio", `window.audioIn === 0`)
		visitor.waitJS("the call button is offered", `!document.getElementById('call-bar').hidden && !document.getElementById('call-start').hidden`)
		start := "#call-start"
		if r.media == "video" {
			visitor.waitJS("the video call button is offered", `!document.getElementById('call-video-start').hidden`)
			require.Equal(t, "视频通话", visitor.text("#call-video-start"))
			start = "#call-video-start"
		} else {
			visitor.waitJS("no video call where the channel does not allow it", `document.getElementById('call-video-start').hidden`)
		}
		visitor.run("call", chromedp.Click(chromedp.CSS(start)))
		agent.waitJS("the console rings", `document.querySelector('#calls .call[data-state=RINGING][data-media=`+r.media+`] #call-accept')`)
		agent.run("accept", chromedp.Click(chromedp.CSS("#call-accept")))
		agent.waitJS("connected on the console", `document.querySelector('#calls .call[data-state=CONNECTED]')`)
		visitor.waitJS("the visitor got the connected event", `window.ccflowCall.lastEvent === '168101 Call connected'`)
		visitor.waitJS("the visitor receives audio", `window.audioIn > 1000`)
		agent.waitJS("the agent receives audio", `window.audioIn > 1000`)
		visitor.waitJS("the duration runs", `/^0:0[1-9]|^0:[1-5]/.test(document.getElementById('call-time').textContent)`)
		if r.media == "video" {
			visitor.waitJS("the visitor receives video", `window.videoIn > 1000`)
			agent.waitJS("the agent receives video", `window.videoIn > 1000`)
			visitor.waitJS("the chat page shows the agent's video and its own", videoShown("call-videos", "call-remote-video", "call-local-video"))
			agent.waitJS("the console shows the visitor's video and its own", videoShown("agent-call-videos", "agent-call-remote-video", "agent-call-local-video"))
		} else {
			for _, b := range []*browser{visitor, agent} {
				v, err := eval[float64](b, `window.videoIn`)
				require.NoError(t, err)
				require.Zero(t, v, "an audio call carries no video")
			}
			visitor.waitJS("an audio call shows no video", `document.getElementById('call-videos').hidden && document.getElementById('call-audio').srcObject`)
			agent.waitJS("an audio call shows no video", `document.getElementById('agent-call-videos').hidden && document.getElementById('agent-call-audio').srcObject`)
		}

		if r.hangUp == "visitor" {
			visitor.run("the visitor hangs up", chromedp.Click(chromedp.CSS("#call-hangup")))
		} else {
			agent.run("the agent hangs up", chromedp.Click(chromedp.CSS("#call-hangup")))
		}
		visitor.waitJS("the event says the call ended", `window.ccflowCall.lastEvent === '168102 Call disconnected' && window.ccflowCall.state === 'idle'`)
		visitor.waitText("#call-status", "通话已结束")
		agent.waitJS("the console ends the call", `!document.querySelector('#calls .call') && document.getElementById('call-note')?.textContent === '通话已结束'`)
		agent.waitJS("the console's connection is closed", `window.ccflowAgentCall.pc === null`)
		visitor.waitJS("the chat page's camera is off", `document.getElementById('call-videos').hidden && !document.getElementById('call-local-video').srcObject`)
		agent.waitJS("the console's camera is off", `document.getElementById('agent-call-videos').hidden && !document.getElementById('agent-call-local-video').srcObject`)
		visitor.waitJS("the call's notice is in the chat", `[...document.querySelectorAll('#messages li .bubble')].some(b => b.textContent.startsWith('通话已结束，通话时长'))`)
	}
	visitor.requireNoScriptErrors()
	agent.requireNoScriptErrors()
}

// noCameraScript makes the page's getUserMedia refuse the camera as a
// browser without one does (NotFoundError), the microphone still given.
const noCameraScript = `(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  window.cameraAsked = 0;
  navigator.mediaDevices.getUserMedia = (c) => {
    if (c && c.video) { window.cameraAsked++; return Promise.reject(new DOMException('Requested device not found', 'NotFoundError')); }
    return real(c);
  };
  return true; })()`

// videoSenderEnabled is a script answering whether the call connection
// of handle sends an enabled camera track ("none" without one).
func videoSenderEnabled(handle string) string {
	return `(() => { const pc = window.` + handle + `.pc; if (!pc) { return 'none'; }
	  const s = pc.getSenders().find(s => s.track && s.track.kind === 'video');
	  return s ? String(s.track.enabled) : 'none'; })()`
}

// TestVideoCallWithoutACamera: a visitor whose browser has no camera
// (getUserMedia with video rejected) places a video call: it goes on as an
// audio-only call, audio flows both ways, and both the chat page and the
// console say why. Then, with the camera back, a video call's camera
// button turns the local video track off and on, on both sides. Last, an
// agent without a camera answers with audio alone and still sees the
// visitor.
func TestVideoCallWithoutACamera(t *testing.T) {
	base, admin := startCallNode(t)
	allowCalls(t, base, admin, true)

	agent := mediaBrowser(t)
	agent.run("open the console", chromedp.Navigate(base+"/agent"), chromedp.WaitVisible(chromedp.CSS("#login-user")))
	agent.run("log in", chromedp.SendKeys(chromedp.CSS("#login-user"), "agent1"), chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent1-pass"+kb.Enter))
	agent.waitJS("the console opens", `document.body.dataset.view === 'console'`)
	agent.run("go ready", chromedp.Click(chromedp.CSS(`#presence button[data-status=READY]`)))
	agent.waitJS("the agent is ready", `document.body.dataset.status === 'READY'`)
	watchMedia(agent, "ccflowAgentCall")

	visitor := mediaBrowser(t)
	link := chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"11"}, "visiter_id": {"camera-visitor"}, "visiter_name": {"李雷"}})
	visitor.run("open the chat", chromedp.Navigate(base+link))
	visitor.waitText("#status", "智能客服为您服务")
	watchMedia(visitor, "ccflowCall")
	// call places a video call and waits until it is connected.
	call := func() {
		t.Helper()
		visitor.waitJS("the video call button is offered", `!document.getElementById('call-bar').hidden && !document.getElementById('call-video-start').hidden`)
		visitor.run("video call", chromedp.Click(chromedp.CSS("#call-video-start")))
		agent.waitJS("the console rings for a video call", `document.querySelector('#calls .call[data-state=RINGING][data-media=video] #call-accept')`)
		agent.run("accept", chromedp.Click(chromedp.CSS("#call-accept")))
		visitor.waitJS("the visitor got the connected event", `window.ccflowCall.lastEvent === '168101 Call connected'`)
		visitor.waitJS("the visitor receives audio", `window.audioIn > 1000`)
		agent.waitJS("the agent receives audio", `window.audioIn > 1000`)
	}
	hangUp := func() {
		t.Helper()
		visitor.run("the visitor hangs up", chromedp.Click(chromedp.CSS("#call-hangup")))
		visitor.waitJS("the call ended", `window.ccflowCall.state === 'idle'`)
		agent.waitJS("the console's connection is closed", `window.ccflowAgentCall.pc === null && !document.querySelector('#calls .call')`)
	}

	// No camera on the visitor's side: an audio-only call, said on screen.
	_, err := eval[bool](visitor, noCameraScript)
	require.NoError(t, err)
	call()
	asked, err := eval[float64](visitor, `window.cameraAsked`)
	require.NoError(t, err)
	require.Positive(t, asked, "the page asked for the camera and was refused")
	visitor.waitJS("the chat page says the call is audio-only", `!document.getElementById('call-notice').hidden`)
	require.Equal(t, "未能使用摄像头，已改为语音通话", visitor.text("#call-notice"))
	agent.waitJS("the console says why", `document.getElementById('call-notice')?.textContent === '访客没有可用的摄像头，已改为语音通话'`)
	visitor.waitJS("the chat page plays the agent through <audio>, no videos", `document.getElementById('call-videos').hidden && document.getElementById('call-audio').srcObject`)
	visitor.waitJS("no camera button without a camera", `document.getElementById('call-camera').hidden`)
	agent.waitJS("nor on the console, which sends no video either", `!document.querySelector('#call-camera')`)
	for _, b := range []*browser{visitor, agent} {
		v, err := eval[string](b, videoSenderEnabled(map[*browser]string{visitor: "ccflowCall", agent: "ccflowAgentCall"}[b]))
		require.NoError(t, err)
		require.Equal(t, "none", v, "an audio-only call sends no video")
		in, err := eval[float64](b, `window.videoIn`)
		require.NoError(t, err)
		require.Zero(t, in, "an audio-only call carries no video")
	}
	hangUp()
	visitor.waitJS("the notice goes with the call", `document.getElementById('call-notice').hidden`)

	// The camera back (a reload drops the override): the camera button.
	visitor.run("reload the chat", chromedp.Reload())
	visitor.waitJS("the chat is back", `document.getElementById('text') && !document.getElementById('text').disabled`)
	watchMedia(visitor, "ccflowCall")
	call()
	visitor.waitJS("the visitor receives video", `window.videoIn > 1000`)
	agent.waitJS("the agent receives video", `window.videoIn > 1000`)
	visitor.waitJS("no notice with a camera", `document.getElementById('call-notice').hidden`)
	for _, side := range []struct {
		b      *browser
		handle string
	}{{visitor, "ccflowCall"}, {agent, "ccflowAgentCall"}} {
		b := side.b
		b.waitJS("the camera button is shown", `(() => { const c = document.getElementById('call-camera'); return c && !c.hidden; })()`)
		require.Equal(t, "关闭摄像头", b.text("#call-camera"))
		v, err := eval[string](b, videoSenderEnabled(side.handle))
		require.NoError(t, err)
		require.Equal(t, "true", v)
		b.run("camera off", chromedp.Click(chromedp.CSS("#call-camera")))
		b.waitJS("the local video track is disabled", videoSenderEnabled(side.handle)+` === 'false'`)
		b.waitJS("the button says the camera is off", `(() => { const c = document.getElementById('call-camera');
		  return c.textContent === '打开摄像头' && c.getAttribute('aria-pressed') === 'true'; })()`)
		b.run("camera on", chromedp.Click(chromedp.CSS("#call-camera")))
		b.waitJS("the local video track is enabled again", videoSenderEnabled(side.handle)+` === 'true'`)
		b.waitJS("the button says the camera is on", `(() => { const c = document.getElementById('call-camera');
		  return c.textContent === '关闭摄像头' && c.getAttribute('aria-pressed') === 'false'; })()`)
	}
	hangUp()

	// No camera on the agent's side: the agent answers with audio alone,
	// still sees the visitor, and the console says so.
	_, err = eval[bool](agent, noCameraScript)
	require.NoError(t, err)
	call()
	agent.waitJS("the console says the visitor does not see the agent", `document.getElementById('call-notice')?.textContent === '未能使用摄像头，访客只能听到您的声音'`)
	agent.waitJS("the agent still receives the visitor's video", `window.videoIn > 1000`)
	agent.waitJS("no camera button without a camera", `!document.querySelector('#call-camera')`)
	v, err := eval[string](agent, videoSenderEnabled("ccflowAgentCall"))
	require.NoError(t, err)
	require.Equal(t, "none", v, "the console sends no video")
	visitor.waitJS("the chat page keeps its camera button", `!document.getElementById('call-camera').hidden`)
	hangUp()
	visitor.requireNoScriptErrors()
	agent.requireNoScriptErrors()
}
