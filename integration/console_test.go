package integration

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// convItem is the console's list entry of the visitor named name.
func convItem(name string) string {
	return `[...document.querySelectorAll('#conv-list li.conv')].find(li => li.querySelector('.name').textContent === ` + jsString(name) + `)`
}

// visitorFromEntry opens a chat through spec 001's visitor entry, with a
// name and a product card, the way a shop's product page links to it.
func visitorFromEntry(t *testing.T, base, id, name, product string) *webSession {
	t.Helper()
	q := url.Values{"business_id": {"1"}, "groupid": {"12"}, "visiter_id": {id}, "visiter_name": {name}, "product": {product}}
	signEntry(q)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(base + "/index/index/home?" + q.Encode())
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusFound, resp.StatusCode)
	return openChatPage(t, base, resp.Header.Get("Location"))
}

// leaveMessage stores a message through spec 002's signed entry and returns its id.
func leaveMessage(t *testing.T, base string, body map[string]string) string {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte("demo-app-secret"))
	mac.Write([]byte("1001\n" + ts + "\n" + string(raw)))
	u := base + "/api/v1.0/1001/leavemessage?timestamp=" + ts + "&signature=" + hex.EncodeToString(mac.Sum(nil))
	var out struct {
		ResultCode string `json:"resultCode"`
		ID         string `json:"id"`
	}
	require.Equal(t, http.StatusOK, call(t, http.MethodPost, u, nil, raw, &out))
	require.Equal(t, "0", out.ResultCode)
	return out.ID
}

// TestAgentConsoleServesVisitors drives the agent console in Chromium against
// the all-in-one: login, presence, two visitors at once with unread counts,
// the product card, FAQ suggestions, typing, a reply sent with Enter that the
// visitor's poll receives, Ctrl+K, a transfer, a close, and the leave-message
// inbox with a tag.
func TestAgentConsoleServesVisitors(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	b := newBrowser(t)

	// Log in and go ready.
	b.run("open the console", chromedp.Navigate(base+"/agent"), chromedp.WaitVisible(chromedp.CSS("#login-user")))
	b.waitText("#login-title", "客服工作台")
	b.run("log in", chromedp.SendKeys(chromedp.CSS("#login-user"), "agent1"), chromedp.SendKeys(chromedp.CSS("#login-pass"), "agent1-pass"+kb.Enter))
	b.waitJS("the console opens", `document.body.dataset.view === 'console'`)
	b.waitText("#me", "客服1号")
	b.run("go ready", chromedp.Click(chromedp.CSS(`#presence button[data-status=READY]`)))
	b.waitJS("the agent is ready", `document.body.dataset.status === 'READY'`)
	b.waitText("#status-text", "就绪")

	// A visitor comes from a product page, asks the robot, then for a human.
	product := `{"pid":7,"title":"Apple MacBook Air 13","price":"¥7588.00","sku":"MBA13-M3"}`
	ann := visitorFromEntry(t, base, "console-ann", "王小明", product)
	require.Equal(t, "0", ann.send("CONNECT", "").ResultCode)
	ann.waitFor("ROBOT", "欢迎欢迎，热烈欢迎")
	require.Equal(t, "0", ann.send("CHAT", "版本").ResultCode)
	ann.waitFor("ROBOT", "ccflow 1.0")
	require.Equal(t, "0", ann.send("TRANS2AGENT", "").ResultCode)

	// The console shows the new conversation with a beep and a title badge.
	b.waitJS("the new conversation is listed as new", convItem("王小明")+`?.querySelector('.badge.fresh')`)
	b.waitJS("a beep for the assignment", `Number(document.body.dataset.beeps) >= 1`)
	b.waitJS("the title counts it", `document.title.startsWith('(1) ')`)

	// The visitor writes: the unread count shows it.
	require.Equal(t, "0", ann.send("CHAT", "请问多久发货？").ResultCode)
	b.waitJS("one unread message", convItem("王小明")+`?.querySelector('.badge.unread')?.textContent === '1'`)
	b.waitJS("the list shows what the visitor said", convItem("王小明")+`?.querySelector('.last').textContent === '请问多久发货？'`)
	b.waitJS("the list shows how long the visitor waits", convItem("王小明")+`?.querySelector('.timer.waiting')`)

	// A second visitor, through the customer API.
	bob := newVisitor(t, base, "console-bob")
	require.Equal(t, "0", bob.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", bob.send("TRANS2AGENT", "").ResultCode)
	b.waitJS("the second conversation is listed", convItem("user_console-bob"))
	b.waitJS("the title counts both", `document.title.startsWith('(2) ')`)

	// Ctrl+K opens the switcher with the unread conversation first; Enter opens it.
	b.run("Ctrl+K", ctrlKey("k"))
	b.waitJS("the switcher is open", `document.getElementById('switcher').open`)
	b.waitText("#switcher-list li.active", "王小明")
	b.run("Enter", pressEnter())
	b.waitText("#chat-name", "王小明")
	b.waitJS("opening it reads it", `!`+convItem("王小明")+`.querySelector('.badge')`)

	// The conversation: robot history, the product card, a suggestion from the FAQ.
	b.waitJS("the robot part of the history", `[...document.querySelectorAll('#messages .msg.robot')].some(m => m.textContent.includes('ccflow 1.0'))`)
	b.waitJS("the visitor's question", `[...document.querySelectorAll('#messages .msg.in')].some(m => m.textContent.includes('请问多久发货？'))`)
	b.waitText("#product-title", "Apple MacBook Air 13")
	b.waitText("#product-price", "¥7588.00")
	b.waitText("#product-extra", "sku: MBA13-M3")
	b.waitText("#suggest-list", "多久发货？")

	// The visitor types: the console says so.
	require.Equal(t, "0", ann.send("INPUT", "").ResultCode)
	b.waitJS("the typing indicator", `!document.getElementById('typing').hidden`)
	b.waitText("#typing", "对方正在输入")

	// A phrase from the search panel, then a reply typed and sent with Enter.
	b.run("search phrases", chromedp.Click(chromedp.CSS("#phrase-search")), typeText("退货"))
	b.waitText("#phrase-list", "如何退货？")
	reply := "您好，付款后 48 小时内发货。"
	b.run("reply with Enter", chromedp.Click(chromedp.CSS("#text")), typeText(reply), pressEnter())
	b.waitJS("the reply is marked sent", `[...document.querySelectorAll('#messages .msg.out')].some(m => m.textContent.includes(`+jsString(reply)+`) && m.querySelector('.mark.sent'))`)
	require.Empty(t, b.value("#text"), "Enter empties the composer")
	ann.waitFor("AGENT", reply)
	b.waitJS("not delivered while the visitor's page has not fetched it", `[...document.querySelectorAll('#messages .msg.out')].some(m => m.textContent.includes(`+jsString(reply)+`) && !m.querySelector('.mark.delivered'))`)
	ann.pollDelivering("AGENT", reply)
	b.waitJS("the reply is marked delivered once the visitor's page fetched it", `[...document.querySelectorAll('#messages .msg.out')].some(m => m.textContent.includes(`+jsString(reply)+`) && m.querySelector('.mark.delivered')?.textContent.includes('已送达'))`)
	b.waitJS("answered: no longer waiting", convItem("王小明")+`.querySelector('.timer:not(.waiting)')`)

	// A supervisor whispers: the note shows in the conversation, for the agent only.
	adminKey, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	grant := rawRequest(t, http.MethodPut, base+"/api/admin/v1/agents/agent2",
		map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(adminKey))}, map[string]string{"role": "supervisor"})
	require.Equal(t, http.StatusOK, grant.status)
	sup := loginAgent(t, base, "agent2", "agent2-pass")
	code, _ := sup.do(http.MethodPost, "/supervisor/conversations/"+convOf(t, b, "王小明")+"/whisper", map[string]string{"content": "记得推荐以旧换新活动"})
	require.Equal(t, http.StatusOK, code)
	b.waitJS("the whisper is shown to the agent", `[...document.querySelectorAll('#messages .msg.note')].some(m => m.textContent.includes('记得推荐以旧换新活动') && m.textContent.includes('客服2号'))`)
	_, notes := sup.do(http.MethodGet, "/conversations/"+convOf(t, b, "王小明")+"/notes", nil)
	require.Equal(t, map[string]any{"notes": []any{}}, notes, "whispers are for the agent they went to")
	b.screenshot("agent-console")

	// Alt+↓ moves to the next conversation; transfer it to agent2.
	b.run("Alt+Down", altKey(kb.ArrowDown))
	b.waitText("#chat-name", "user_console-bob")
	b.run("open the transfer dialog", chromedp.Click(chromedp.CSS("#transfer-btn")))
	b.waitJS("the dialog lists the agent's skill groups", `document.getElementById('transfer-group').options.length === 2`)
	b.waitJS("the dialog offers the colleague with state and load", `document.querySelector('#transfer-agents option[value="agent2"]')?.label.includes('客服2号')`)
	b.run("transfer to agent2", chromedp.Click(chromedp.CSS("#transfer-agent")), typeText("agent2"), chromedp.Click(chromedp.CSS("#transfer-ok")))
	b.waitJS("transferred", convItem("user_console-bob")+`?.classList.contains('ended')`)
	b.waitText("#chat-state", "已转接")
	a2 := loginAgent(t, base, "agent2", "agent2-pass")
	a2.setStatus("READY")
	a2.waitAssigned("console-bob")

	// Close Ann's conversation (the button asks once more): she is asked to rate.
	b.click("back to 王小明", `#conv-list li.conv:first-child`)
	b.waitText("#chat-name", "王小明")
	b.run("close", chromedp.Click(chromedp.CSS("#close-btn")))
	b.waitText("#close-btn", "确认结束")
	b.run("confirm", chromedp.Click(chromedp.CSS("#close-btn")))
	b.waitText("#chat-state", "会话已结束")
	ann.waitFor("SYSTEM", "请为本次服务评分")
	b.waitJS("the composer is off", `document.getElementById('text').disabled`)

	// The leave-message inbox: a new message, tagged by the agent.
	id := leaveMessage(t, base, map[string]string{"contact": "王五", "callback": "email", "email": "wangwu@163.com", "subject": "空调没人来装", "content": "上周买的空调，约好周三安装，到现在没人联系我。"})
	b.run("open the inbox", chromedp.Click(chromedp.CSS("#tab-inbox")))
	item := `document.querySelector('#inbox-list li.leave[data-id="` + id + `"]')`
	b.waitJS("the message is listed", item)
	b.waitText("#inbox-list", "空调没人来装")
	b.run("tag it", chromedp.Click(chromedp.CSS(`#inbox-list li.leave[data-id="`+id+`"] .tag-input`)), typeText("待回访"), pressEnter())
	b.waitJS("the tag is saved", item+`.dataset.tag === '待回访'`)
	code, got := a2.do(http.MethodGet, "/leave-messages/"+id, nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "待回访", got["tag"])
	b.screenshot("agent-console-inbox")
	b.run("show untagged only", chromedp.SetValue(chromedp.CSS("#inbox-filter"), "-"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('inbox-filter').dispatchEvent(new Event('change'))`))
	b.waitJS("the tagged message is filtered out", `!`+item)

	// On a phone's width the console stacks the list above the conversation.
	b.run("a phone's width", chromedp.EmulateViewport(390, 844), chromedp.Click(chromedp.CSS("#tab-chats")))
	b.click("open the first conversation", `#conv-list li.conv:first-child`)
	b.waitText("#chat-name", "王小明")
	b.waitJS("nothing is wider than the screen", `document.documentElement.scrollWidth <= 390`)
	b.screenshot("agent-console-390")

	b.requireNoScriptErrors()
}

// convOf is the id of the console's conversation with the visitor named name.
func convOf(t *testing.T, b *browser, name string) string {
	t.Helper()
	id, err := eval[string](b, convItem(name)+`?.dataset.id || ''`)
	require.NoError(t, err)
	require.NotEmpty(t, id, "the console lists %s", name)
	return id
}

// pollDelivering polls without a cursor, as the chat page does, which moves
// the conversation's delivery mark, until a message of source with content
// is handed out.
func (s *webSession) pollDelivering(source, content string) {
	s.t.Helper()
	eventually(s.t, 30*time.Second, "delivered "+content, func() error {
		var ans pollAnswer
		code := call(s.t, http.MethodGet, s.base+"/apiaccess/ccmessaging/poll?channel=WEB&wait=2&receiverId="+url.QueryEscape(s.UserID),
			s.headers(), nil, &ans)
		if code != http.StatusOK || ans.ResultCode != "0" {
			return fmt.Errorf("poll answered %d %s", code, ans.ResultCode)
		}
		for _, m := range ans.DownlinkMessages {
			if m.SourceType == source && strings.Contains(m.Content, content) {
				return nil
			}
		}
		return errNotYet
	})
}
