package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// msgCount counts the console's messages of the open conversation with text.
func msgCount(text string) string {
	return `[...document.querySelectorAll('#messages .msg .bubble')].filter(b => b.textContent === ` + jsString(text) + `).length`
}

// TestAgentConsoleSurvivesTrouble puts the console through what goes wrong
// in a working day: markup typed by a visitor, the server going away and
// coming back, a reload, an expired session with a half-typed reply, and a
// visitor coming back for a second conversation.
func TestAgentConsoleSurvivesTrouble(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	b := newBrowser(t)

	login := func() {
		b.run("log in", chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent1-pass"+kb.Enter))
		b.waitJS("the console opens", `document.body.dataset.view === 'console'`)
	}
	b.run("open the console", chromedp.Navigate(base+"/agent"), chromedp.SendKeys(chromedp.CSS("#login-user"), "agent1"))
	login()
	b.run("go ready", chromedp.Click(chromedp.CSS(`#presence button[data-status=READY]`)))
	b.waitJS("ready", `document.body.dataset.status === 'READY'`)

	v := newVisitor(t, base, "trouble-user")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	name := "user_trouble-user"
	b.waitJS("assigned", convItem(name))
	b.click("open it", `#conv-list li.conv`)
	b.waitText("#chat-name", name)

	// Markup from a visitor is text, never markup.
	evil := `<img src=x onerror="document.body.dataset.owned=1"><b>粗体</b>`
	require.Equal(t, "0", v.send("CHAT", evil).ResultCode)
	b.waitJS("the markup shows as text", msgCount(evil)+` === 1`)
	b.waitJS("the list shows it as text too", convItem(name)+`.querySelector('.last').textContent === `+jsString(evil))
	b.waitJS("nothing of it became an element", `!document.querySelector('#messages img, #messages b, #conv-list img') && !document.body.dataset.owned`)

	// A half-typed reply, then the server dies: the console says so.
	draft := "请稍等，我查一下"
	b.run("type a draft", chromedp.Click(chromedp.CSS("#text")), typeText(draft))
	p.kill()
	b.waitJS("the banner tells of the lost connection", `!document.getElementById('banner').hidden`)
	b.waitText("#banner", "网络中断")

	// It comes back: the banner goes, and what the visitor wrote meanwhile
	// arrives once.
	p = start(t, n.env())
	waitReady(t, p, base)
	require.Equal(t, "0", v.send("CHAT", "断网期间的消息").ResultCode)
	b.waitJS("the message sent during the outage arrives", msgCount("断网期间的消息")+` === 1`)
	b.waitJS("the banner is gone", `document.getElementById('banner').hidden`)
	require.Equal(t, draft, b.value("#text"), "the draft is still in the composer")

	// A reload keeps the session, the conversation and the draft; no message twice.
	b.run("reload", chromedp.Reload())
	b.waitJS("still logged in", `document.body.dataset.view === 'console'`)
	b.waitJS("the conversation is back", convItem(name))
	b.click("open it", `#conv-list li.conv`)
	b.waitJS("history after the reload", msgCount("断网期间的消息")+` === 1 && `+msgCount(evil)+` === 1`)
	b.waitJS("the draft is back", `document.getElementById('text').value === `+jsString(draft))

	// The session expires (here: its HttpOnly cookie is spoilt, which no
	// script of the page could do): back to the login with a message; after
	// logging in again the draft is still there.
	b.waitJS("the session cookie is HttpOnly: the page sees only the CSRF cookie",
		`document.cookie.includes('ccflow_agent_csrf=') && !document.cookie.includes('ccflow_agent=')`)
	b.run("spoil the session", spoilAgentCookie(base), chromedp.Reload())
	b.waitJS("back at the login", `document.body.dataset.view === 'login'`)
	b.waitText("#login-error", "登录已过期")
	require.Equal(t, "agent1", b.value("#login-user"), "the username is filled in")
	// The ended session may be noticed by the page being reloaded (its feed
	// meets the 401 first): the page after the reload says the same.
	b.run("reload at the login", chromedp.Reload())
	b.waitJS("still at the login", `document.body.dataset.view === 'login'`)
	b.waitText("#login-error", "登录已过期")
	require.Equal(t, "agent1", b.value("#login-user"), "the username is filled in after the reload")
	login()
	b.waitJS("the conversation is back", convItem(name))
	b.click("open it", `#conv-list li.conv`)
	b.waitJS("the draft survived the expiry", `document.getElementById('text').value === `+jsString(draft))

	// Send it, close, the visitor rates and comes back: the new conversation
	// shows the earlier one above it.
	b.run("send the draft", chromedp.Click(chromedp.CSS("#text")), pressEnter())
	v.waitDownlink("the draft reaches the visitor", "AGENT", draft)
	b.run("close", chromedp.Click(chromedp.CSS("#close-btn")), chromedp.Click(chromedp.CSS("#close-btn")))
	b.waitText("#chat-state", "会话已结束")
	rated := rawRequest(t, http.MethodPost, base+"/apiaccess/ccmessaging/saveSatisfaction", v.headers(),
		map[string]any{"channel": "WEB", "evaluation": "5", "comment": "", "userId": v.id, "channelConfigId": demoChannel}).object(t)
	require.Equal(t, "0", rated["resultCode"], rated)
	b.run("remove it from the list", chromedp.Click(chromedp.CSS("#dismiss-btn")))
	b.waitJS("the list is empty", `!document.querySelector('#conv-list li.conv')`)

	eventually(t, 30*time.Second, "a new conversation starts", func() error {
		if v.send("CONNECT", "").ResultCode != "0" {
			return errNotYet
		}
		return nil
	})
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	b.waitJS("the returning visitor is assigned", convItem(name))
	b.click("open it", `#conv-list li.conv`)
	b.waitText("#messages .divider", "更早的会话")
	b.waitJS("the earlier conversation's messages are shown", msgCount(draft)+` === 1 && `+msgCount("断网期间的消息")+` === 1`)

	b.requireNoScriptErrors()
}
