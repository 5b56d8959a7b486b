package integration

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// spoilAgentCookie replaces the pages' HttpOnly session cookie with a token
// that no longer stands, as an expired session would be: only the browser
// itself can, no script of the page.
func spoilAgentCookie(base string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		httpOnly := true
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{
			Name: "ccflow_agent", Value: "expired", URL: base + "/api/agent/v1", Path: "/api/agent/v1",
			HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteStrict,
		})
		return err
	})
}

// svRow is the supervisor page's row of a table whose data attribute is value.
func svRow(table, attr, value string) string {
	return `document.querySelector('#` + table + ` tbody tr[data-` + attr + `=` + jsString(value) + `]')`
}

// TestSupervisorInABrowser drives the supervisor's page in Chromium: the
// admin grants agent2 the supervisor role; agent1 serves one visitor while
// another waits; the supervisor sees the queue, the agents with state and
// load, both conversations with phase and waiting time, reads the served
// one read-only while it updates live, and shows a report. An agent without
// the role is refused by the API.
func TestSupervisorInABrowser(t *testing.T) {
	const adminKey = "supervisor-admin-key-0123456789"
	n := newNode(t)
	p := start(t, with(n.env(), "CCFLOW_ADMIN_KEY", adminKey))
	base := n.url()
	waitReady(t, p, base)
	admin := map[string]string{"Authorization": "Bearer " + adminKey}
	grant := rawRequest(t, http.MethodPut, base+"/api/admin/v1/agents/agent2", admin, map[string]string{"role": "supervisor"}).object(t)
	require.Equal(t, "supervisor", grant["role"])

	// agent1 serves Ann, then takes a break: Bob waits in the queue.
	a1 := loginAgent(t, base, "agent1", "agent1-pass")
	a1.setStatus("READY")
	ann := newVisitor(t, base, "sv-ann")
	require.Equal(t, "0", ann.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", ann.send("TRANS2AGENT", "").ResultCode)
	annConv := a1.waitAssigned("sv-ann")
	require.Equal(t, "0", ann.send("CHAT", "我的订单还没到").ResultCode)
	require.Equal(t, http.StatusOK, a1.say(annConv, "您好，我来查一下物流。"))
	a1.setStatus("NOT_READY")
	bob := newVisitor(t, base, "sv-bob")
	require.Equal(t, "0", bob.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", bob.send("TRANS2AGENT", "").ResultCode)
	require.True(t, bob.queued(base), "nobody ready: Bob waits")

	b := newBrowser(t)
	b.run("open the supervisor's page", chromedp.Navigate(base+"/agent/supervisor"), chromedp.WaitVisible(chromedp.CSS("#login-user")))
	b.waitText("#login-title", "主管视图")
	b.run("log in", chromedp.SendKeys(chromedp.CSS("#login-user"), "agent2"), chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent2-pass"+kb.Enter))
	b.waitJS("the live view opens", `document.body.dataset.view === 'supervisor'`)
	b.waitJS("the session cookie is HttpOnly", `document.cookie.includes('ccflow_agent_csrf=') && !document.cookie.includes('ccflow_agent=')`)

	// Both conversations with phase, agent and waiting time.
	b.waitJS("Ann is served by agent1", svRow("convs", "conv", annConv)+`?.textContent.includes('客服1号')`)
	b.waitText(`#convs tbody`, "人工")
	bobRow := `[...document.querySelectorAll('#convs tbody tr')].find(r => r.textContent.includes('sv-bob'))`
	b.waitJS("Bob is queued", bobRow+`?.querySelector('.phase.QUEUED')`)
	b.waitJS("Bob's wait runs on without a reload", `(() => { const td = `+bobRow+`.querySelector('td.wait');
		const s = td.textContent.split(':').reduce((a, x) => a * 60 + Number(x), 0); return s >= 2; })()`)

	// The queue of Bob's group and the agents with state and load.
	b.waitJS("one waits in a queue", `[...document.querySelectorAll('#queues td.waiting')].some(td => td.textContent === '1')`)
	b.waitJS("agent1 is on a break with one of three", svRow("agents", "agent", "agent1")+`?.querySelector('.load').textContent === '1/3'`)
	b.waitText(`#agents tbody tr[data-agent="agent1"] .status`, "小休")
	b.waitJS("no estimated wait without a real wait to go by", `[...document.querySelectorAll('#queues td.estimate')].length >= 2 && [...document.querySelectorAll('#queues td.estimate')].every(td => td.textContent === '暂无估计')`)

	// Ann's conversation, read-only, updating live.
	b.click("open Ann's conversation", `#convs tbody tr[data-conv="`+annConv+`"]`)
	b.waitText("#look-messages", "我的订单还没到")
	b.waitText("#look-messages", "您好，我来查一下物流。")
	b.waitJS("read-only: no composer to the visitor, only the whisper field", `!document.querySelector('#look-box textarea') && document.querySelectorAll('#look-box input').length === 1`)
	require.Equal(t, http.StatusOK, a1.say(annConv, "已经发出，明天到。"))
	b.waitText("#look-messages", "已经发出，明天到。")

	// A whisper reaches the serving agent's feed, never the visitor.
	note := "先核实订单号，再答复物流。"
	// Focus, not a click: the box scrolls into view when its messages load,
	// and a click aimed before that lands beside the field.
	b.run("whisper", chromedp.Focus(chromedp.CSS("#whisper-text")), typeText(note), pressEnter())
	b.waitText("#whisper-status", "已发给接待座席")
	got := a1.waitEvent("the whisper", func(e agentEvent) bool { return e.Type == "whisper" && e.Note != nil && e.Note.Content == note })
	require.Equal(t, "客服2号", got.Note.FromName)
	require.Equal(t, annConv, got.ConversationID)
	code, notes := a1.do(http.MethodGet, "/conversations/"+annConv+"/notes", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, notes["notes"], 1, "a reloaded console reads the whisper again")
	for _, m := range ann.poll() {
		require.NotContains(t, m.Content, "先核实订单号", "the visitor never sees a whisper")
	}
	// Bob waits: nobody to whisper to; the page says so and nothing is sent.
	bobID, err := eval[string](b, bobRow+`.dataset.conv`)
	require.NoError(t, err)
	b.click("open Bob's conversation", `#convs tbody tr[data-conv="`+bobID+`"]`)
	b.waitText("#look-name", "sv-bob")
	b.run("whisper to nobody", chromedp.Focus(chromedp.CSS("#whisper-text")), typeText("有人吗"), pressEnter())
	b.waitText("#whisper-status", "未发送")
	b.waitText("#whisper-status", "nothing was sent")
	b.click("back to Ann's conversation", `#convs tbody tr[data-conv="`+annConv+`"]`)
	b.waitText("#look-messages", "已经发出，明天到。")
	b.waitJS("today's report by day is shown at once", `document.querySelectorAll('#report tbody tr').length === 1`)

	// The day's report by agent.
	b.run("report by agent", chromedp.SetValue(chromedp.CSS("#report-by"), "agent"), chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
	b.waitJS("agent1 answered one today", svRow("report", "key", "agent1")+`?.children[2].textContent === '1'`)
	b.waitJS("agent1's queue wait has a p50 and p90", svRow("report", "key", "agent1")+`?.querySelector('.wait-pct')?.textContent.match(/^[0-9:]+ \/ [0-9:]+$/)`)
	b.screenshot("supervisor")
	b.run("download the CSV", chromedp.Click(chromedp.CSS("#report-csv")))
	b.waitJS("no error from the download", `document.getElementById('report-error').hidden`)

	// Take over: not while the supervisor is offline (the page says why,
	// nothing changes); then, ready, Ann's conversation moves from agent1 to
	// the supervisor through the ordinary transfer.
	b.click("open Ann's conversation again", `#convs tbody tr[data-conv="`+annConv+`"]`)
	b.waitText("#look-messages", "已经发出，明天到。")
	b.run("take over while offline", chromedp.Click(chromedp.CSS("#take-over")))
	b.waitText("#take-status", "未接管")
	b.waitText("#take-status", "ready")
	require.Equal(t, http.StatusOK, a1.say(annConv, "我还在。"), "a refused take-over leaves agent1 serving")
	// agent1 back: Bob, who waited a while, is served; routing now has a
	// real wait and the page shows an estimate for Bob's group.
	a1.setStatus("READY")
	bobConv := a1.waitAssigned("sv-bob")
	b.waitJS("an estimated wait from the real one", `[...document.querySelectorAll('#queues td.estimate')].some(td => /^[0-9]+:[0-9]{2}$/.test(td.textContent))`)
	a2 := loginAgent(t, base, "agent2", "agent2-pass")
	a2.setStatus("READY")
	b.run("take over, ready", chromedp.Click(chromedp.CSS("#take-over")))
	b.waitText("#take-status", "已接管")
	a1.waitEvent("Ann's conversation leaves agent1", func(e agentEvent) bool { return e.Type == "transferred" && e.ConversationID == annConv })
	require.Equal(t, annConv, a2.waitAssigned("sv-ann"))
	require.Equal(t, http.StatusOK, a2.say(annConv, "您好，我是主管，我来处理。"))
	ann.waitDownlink("the supervisor's message", "AGENT", "您好，我是主管，我来处理。")
	b.waitJS("the live view shows the supervisor serving Ann", svRow("convs", "conv", annConv)+`?.textContent.includes('客服2号')`)
	code, _ = a2.do(http.MethodPost, "/supervisor/conversations/"+bobConv+"/take-over", nil)
	require.Equal(t, http.StatusOK, code, "a second take-over while a slot is free")
	a1.waitEvent("Bob's conversation leaves agent1", func(e agentEvent) bool { return e.Type == "transferred" && e.ConversationID == bobConv })
	code, _ = a2.do(http.MethodPost, "/supervisor/conversations/"+bobConv+"/take-over", nil)
	require.Equal(t, http.StatusConflict, code, "one's own conversation is not taken over")

	// On a phone's width nothing is wider than the screen.
	b.run("a phone's width", chromedp.EmulateViewport(390, 844))
	b.waitJS("nothing is wider than the screen", `document.documentElement.scrollWidth <= 390`)
	b.screenshot("supervisor-390")
	b.run("back to the desktop", chromedp.EmulateViewport(1366, 860))

	// The console in a fresh tab (no sessionStorage) picks up the cookie
	// session, and links a supervisor back to the view.
	b.run("open the console as a new tab would", chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`), chromedp.Navigate(base+"/agent"))
	b.waitJS("the console picks up the cookie session", `document.body.dataset.view === 'console'`)
	b.waitText("#me", "客服2号")
	b.waitJS("a supervisor's console links to the view", `!document.getElementById('to-supervisor').hidden`)
	b.run("back to the view", chromedp.Click(chromedp.CSS("#to-supervisor")))
	b.waitJS("the live view again", `document.body.dataset.view === 'supervisor' && document.querySelector('#convs tbody tr')`)

	// An agent without the role: the API refuses, the page says why.
	b.run("log out", chromedp.Click(chromedp.CSS("#logout")))
	b.waitJS("back at the login", `document.body.dataset.view === 'login'`)
	b.waitJS("the cookies are gone", `!document.cookie.includes('ccflow_agent_csrf=')`)
	b.run("log in as agent1", chromedp.Evaluate[chromedp.Void](`document.getElementById('login-user').value = ''`), chromedp.SendKeys(chromedp.CSS("#login-user"), "agent1"), chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent1-pass"+kb.Enter))
	b.waitText("#forbidden", "需要主管角色")
	b.waitJS("no data shown", `document.getElementById('sv-body').hidden`)

	b.requireNoScriptErrors()
}
