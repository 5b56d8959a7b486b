package integration

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/webentry"
)

// chatLink is the chat page's address the visitor entry redirects to.
func chatLink(t *testing.T, base string, q url.Values) string {
	t.Helper()
	signEntry(q)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(base + "/index/index/home?" + q.Encode())
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusFound, resp.StatusCode)
	return resp.Header.Get("Location")
}

// signEntry signs q's visiter_id, as a shop's backend does for its logged-in
// users, so that the chat is that user's (an unsigned id would be the browser's).
func signEntry(q url.Values) {
	id := q.Get("visiter_id")
	if id == "" {
		return
	}
	ts := time.Now().Unix()
	q.Set("timestamp", strconv.FormatInt(ts, 10))
	q.Set("signature", webentry.SignVisitor("demo-app-secret", 1, id, ts))
}

// bubbles counts the chat page's messages of a kind with text.
func bubbles(kind, text string) string {
	return `[...document.querySelectorAll('#messages li.` + kind + ` .bubble')].filter(b => b.textContent === ` + jsString(text) + `).length`
}

// TestChatPageInABrowser is a visitor's whole visit in Chromium: phrase
// suggestions while typing to the robot, the queue without an estimate yet,
// an agent who answers, typing, a reload that keeps the transcript both
// ways, the rating, a reload after it, a new chat, and a leave message when
// no agent comes.
func TestChatPageInABrowser(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	b := newBrowser(t)
	a1 := loginAgent(t, base, "agent1", "agent1-pass")
	a1.setStatus("NOT_READY")

	link := chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"12"}, "visiter_id": {"page-visitor"}, "visiter_name": {"李雷"},
		"product": {`{"pid":3,"title":"智能空调 KFR-35","price":"¥2999.00","img":"http://127.0.0.1:1/broken.png"}`}})
	b.run("open the chat", chromedp.Navigate(base+link))
	b.waitText("#status", "智能客服为您服务")
	b.waitJS("the greeting", bubbles("in", "欢迎欢迎，热烈欢迎")+` === 1`)
	require.Equal(t, "转人工", b.text("#agent"), "the page speaks the channel's language")
	b.waitJS("a product picture that fails to load is hidden", `document.getElementById('product-img').hidden`)
	b.waitText("#product-title", "智能空调 KFR-35")

	// Suggestions while typing to the robot; a click asks that question.
	b.run("type", chromedp.Click(chromedp.CSS("#text")), typeText("网格"))
	b.waitText("#typeahead", "网格版APP在哪里下载")
	b.run("pick a suggestion", chromedp.Click(chromedp.CSS(`#typeahead button`)))
	b.waitJS("the question is sent", bubbles("out", "网格版APP在哪里下载")+` === 1`)
	b.waitJS("the robot answers", `[...document.querySelectorAll('#messages li.in .bubble')].some(b => b.textContent.includes('网格通'))`)

	// Asking for a human: in the queue, and no made-up estimate.
	b.run("ask for an agent", chromedp.Click(chromedp.CSS("#agent")))
	b.waitText("#status", "排队中")
	b.waitText("#queue", "您排在第 1 位")
	b.waitText("#queue", "暂时无法估计等待时间")

	// An agent takes it: the header says so and 转人工 is off.
	a1.setStatus("READY")
	convID := a1.waitAssigned("page-visitor")
	b.waitText("#status", "人工客服为您服务")
	b.waitJS("转人工 is off while an agent serves", `document.getElementById('agent').disabled`)
	require.Equal(t, http.StatusOK, a1.say(convID, "您好，我是客服1号"))
	b.waitJS("the agent's message", bubbles("agent", "您好，我是客服1号")+` === 1`)
	b.waitJS("messages carry their time", `/\d\d:\d\d/.test(document.querySelector('#messages li.agent .who').textContent)`)

	// The visitor types (the agent sees it) and sends with Enter.
	b.run("type to the agent", chromedp.Click(chromedp.CSS("#text")), typeText("我的订单还没到"))
	a1.waitEvent("typing", func(e agentEvent) bool { return e.Type == "typing" && e.ConversationID == convID })
	b.run("Enter", pressEnter())
	a1.waitEvent("the visitor's message", func(e agentEvent) bool {
		return e.Type == "message" && e.Message != nil && e.Message.Content == "我的订单还没到"
	})
	b.waitJS("sent", `document.querySelector('#messages li.out.sent')`)
	b.screenshot("chat-page")

	// A reload keeps the whole transcript, both ways, once.
	b.run("reload", chromedp.Reload())
	b.waitText("#status", "人工客服为您服务")
	b.waitJS("the visitor's own messages survive a reload", bubbles("out", "网格版APP在哪里下载")+` === 1 && `+bubbles("out", "我的订单还没到")+` === 1`)
	b.waitJS("and the agent's, once", bubbles("agent", "您好，我是客服1号")+` === 1`)
	require.Equal(t, http.StatusOK, a1.say(convID, "已为您催促发货"))
	b.waitJS("polling goes on after the reload", bubbles("agent", "已为您催促发货")+` === 1`)

	// The agent closes; the visitor rates; a reload asks for nothing again.
	code, _ := a1.do(http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusOK, code)
	b.waitJS("the rating is asked", `!document.getElementById('rating').hidden`)
	b.run("rate 5", chromedp.Click(chromedp.CSS(`#stars button:last-child`)))
	b.waitJS("thanks", bubbles("system", "感谢您的评价！")+` === 1`)
	b.run("reload", chromedp.Reload())
	b.waitJS("the transcript is back", bubbles("system", "感谢您的评价！")+` === 1`)
	b.waitJS("no second rating after a reload", `document.getElementById('rating').hidden`)
	b.waitJS("a finished chat stays finished", `document.getElementById('text').disabled && !document.getElementById('again').hidden`)
	closedLines, err := eval[int](b, `[...document.querySelectorAll('#messages li.system .bubble')].filter(b => b.textContent.startsWith('会话已结束')).length`)
	require.NoError(t, err)
	require.LessOrEqual(t, closedLines, 1, "the closing line is not replayed")

	// A new chat starts clean; ending it with the robot only asks for no rating.
	b.run("new chat", chromedp.Click(chromedp.CSS("#again")))
	b.waitText("#status", "智能客服为您服务")
	b.waitJS("a fresh transcript", `document.querySelectorAll('#messages li').length === 1 && `+bubbles("in", "欢迎欢迎，热烈欢迎")+` === 1`)
	b.run("end", chromedp.Click(chromedp.CSS("#end")))
	b.waitText("#status", "会话已结束")
	b.waitJS("no rating without an agent", `document.getElementById('rating').hidden`)

	// A second visitor finds nobody: the queue times out and the page offers
	// the leave-message form.
	a1.setStatus("NOT_READY")
	adminKey, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	code = call(t, http.MethodPut, base+"/api/admin/v1/channel-configs/"+demoChannel,
		map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(adminKey))}, map[string]any{"maxQueueWaitSec": 2}, nil)
	require.Equal(t, http.StatusOK, code)
	link = chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"12"}, "visiter_id": {"page-visitor-2"}, "visiter_name": {"韩梅梅"}})
	b.run("the second visitor opens the chat", chromedp.Navigate(base+link))
	b.waitText("#status", "智能客服为您服务")
	b.waitJS("the second visitor's own transcript", `document.querySelectorAll('#messages li').length === 1`)
	b.run("ask for an agent", chromedp.Click(chromedp.CSS("#agent")))
	b.waitJS("the queue times out", `[...document.querySelectorAll('#messages li.system .bubble')].some(b => b.textContent.startsWith('当前座席繁忙'))`)
	b.run("open the form", chromedp.Click(chromedp.CSS("#leave-open")))
	b.run("a wrong phone", chromedp.Click(chromedp.CSS("#leave-phone")), typeText("12"),
		chromedp.Click(chromedp.CSS("#leave-text")), typeText("空调不制冷，请尽快联系我"), chromedp.Click(chromedp.CSS("#leave-send")))
	b.waitText("#leave-error", "请填写正确的电话号码")
	b.run("a right phone", chromedp.SetValue(chromedp.CSS("#leave-phone"), "13812345678"), chromedp.Click(chromedp.CSS("#leave-send")))
	b.waitJS("the message is left", bubbles("system", "留言已提交，我们会尽快联系您。")+` === 1`)
	code, inbox := a1.do(http.MethodGet, "/leave-messages", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, mustJSON(t, inbox), "空调不制冷，请尽快联系我")

	b.run("a phone's width", chromedp.EmulateViewport(390, 844))
	b.waitJS("nothing is wider than the screen", `document.documentElement.scrollWidth <= 390`)
	b.screenshot("chat-page-390")
	b.requireNoScriptErrors()
}
