package integration

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// TestChatPageShowsTheAgentTyping is issue 12's "typing indicator both
// ways", the agent's side, in Chromium: while the agent types the visitor's
// page says so, in its language; the agent's message ends it, and a pause
// ends it on its own. A stranger's mark is refused.
func TestChatPageShowsTheAgentTyping(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	b := newBrowser(t)
	a1 := loginAgent(t, base, "agent1", "agent1-pass")
	a1.setStatus("READY")

	link := chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"12"}, "visiter_id": {"typing-visitor"}, "visiter_name": {"韩梅梅"}})
	b.run("open the chat", chromedp.Navigate(base+link))
	b.waitText("#status", "智能客服为您服务")
	b.run("ask for an agent", chromedp.Click(chromedp.CSS("#agent")))
	convID := a1.waitAssigned("typing-visitor")
	b.waitText("#status", "人工客服为您服务")
	b.waitJS("no typing line yet", `document.getElementById('typing').hidden`)

	mark := func(a *agent) int {
		return rawRequest(t, http.MethodPost, base+"/api/agent/v1/conversations/"+convID+"/typing", a.headers(), nil).status
	}

	// Someone else's mark is refused and shows nothing.
	a2 := loginAgent(t, base, "agent2", "agent2-pass")
	require.Equal(t, http.StatusForbidden, mark(a2))

	// The agent types: the page says so; the agent's message ends it.
	require.Equal(t, http.StatusNoContent, mark(a1))
	b.waitJS("the typing line", `!document.getElementById('typing').hidden`)
	b.waitText("#typing", "客服正在输入…")
	b.screenshot("chat-page-agent-typing")
	require.Equal(t, http.StatusOK, a1.say(convID, "您的订单明天送达"))
	b.waitJS("the agent's message", bubbles("agent", "您的订单明天送达")+` === 1`)
	b.waitJS("the message ends the typing line", `document.getElementById('typing').hidden`)

	// Typing again, then a pause: the line goes by itself.
	require.Equal(t, http.StatusNoContent, mark(a1))
	b.waitJS("the typing line again", `!document.getElementById('typing').hidden`)
	b.waitJS("a pause ends it", `document.getElementById('typing').hidden`)

	// The close ends the agent phase: a late mark is refused.
	code, _ := a1.do(http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusOK, code)
	b.waitJS("the rating is asked", `!document.getElementById('rating').hidden`)
	require.Equal(t, http.StatusForbidden, mark(a1))

	// In the console, the agent's typing is what marks it.
	v := newVisitor(t, base, "typing-console")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	b.run("open the console", chromedp.Navigate(base+"/agent"), chromedp.WaitVisible(chromedp.CSS("#login-user")))
	b.run("log in", chromedp.SendKeys(chromedp.CSS("#login-user"), "agent1"), chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent1-pass"+kb.Enter))
	b.waitJS("the console opens", `document.body.dataset.view === 'console'`)
	b.waitJS("the conversation is listed", convItem("user_typing-console"))
	b.run("open it", chromedp.Evaluate[chromedp.Void](convItem("user_typing-console")+`.click()`))
	b.waitText("#chat-name", "user_typing-console")
	b.run("type a reply", chromedp.Click(chromedp.CSS("#text")), typeText("正在为您查询"))
	eventually(t, 30*time.Second, "the visitor's poll says the agent types", func() error {
		if pollRaw(t, v, "cursor=0")["agentTyping"] != true {
			return errNotYet
		}
		return nil
	})
	b.requireNoScriptErrors()
}
