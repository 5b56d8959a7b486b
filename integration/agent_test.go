package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"golang.org/x/crypto/bcrypt"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// waitDownlink polls until a message of source with content arrives.
func (v *visitor) waitDownlink(what, source, content string) {
	v.t.Helper()
	eventually(v.t, 30*time.Second, what, func() error {
		for _, m := range v.poll() {
			if m.SourceType == source && m.Content == content {
				return nil
			}
		}
		return errNotYet
	})
}

// TestVisitorAndAgentConverse runs a whole conversation through both APIs on
// the embedded stack: queue, a NOT_READY agent who gets nothing, assignment,
// messages and typing both ways, a transfer to another agent, the close and
// the rating; and an agent going offline, whose visitor is queued again.
func TestVisitorAndAgentConverse(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)

	a1 := loginAgent(t, base, "agent1", "agent1-pass")
	a2 := loginAgent(t, base, "agent2", "agent2-pass")
	a1.setStatus("NOT_READY")

	v := newVisitor(t, base, "conv-user")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	v.waitGreeting()
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)

	// Nobody ready: the visitor waits, first in line, and the agent sees the queue.
	time.Sleep(2 * time.Second)
	for _, e := range a1.events(0) {
		require.NotEqual(t, "assigned", e.Type, "a NOT_READY agent receives no assignment")
	}
	qi := rawRequest(t, http.MethodPost, base+"/apiaccess/ccmessaging/queryQueueInfo", v.headers(),
		map[string]any{"userId": v.id, "channelConfigId": demoChannel, "channel": "WEB"}).object(t)
	require.Equal(t, "0", qi["resultCode"])
	require.Equal(t, "1", mustJSON(t, qi["position"]))
	code, queue := a1.do(http.MethodGet, "/queue", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, mustJSON(t, queue), `"userId":"conv-user"`)

	// Ready: routing hands the conversation over at once.
	a1.setStatus("READY")
	convID := a1.waitAssigned("conv-user")
	v.waitDownlink("the visitor is told an agent connected", "SYSTEM", "已接通座席。")

	require.Equal(t, "0", v.send("CHAT", "我的订单还没到").ResultCode)
	a1.waitEvent("the visitor's message", func(e agentEvent) bool {
		return e.Type == "message" && e.Message != nil && e.Message.Content == "我的订单还没到" && e.Message.Direction == "to_service"
	})
	require.Equal(t, "0", v.send("INPUT", "").ResultCode)
	a1.waitEvent("typing", func(e agentEvent) bool { return e.Type == "typing" && e.ConversationID == convID })
	require.Equal(t, http.StatusOK, a1.say(convID, "我帮您查一下"))
	v.waitDownlink("the agent's reply", "AGENT", "我帮您查一下")

	// The conversation's record, messages in both directions included.
	code, conv := a1.do(http.MethodGet, "/conversations/"+convID, nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "conv-user", conv["userId"])
	eventually(t, 10*time.Second, "messages are recorded", func() error {
		_, msgs := a1.do(http.MethodGet, "/conversations/"+convID+"/messages", nil)
		if s := mustJSON(t, msgs); !strings.Contains(s, "我的订单还没到") || !strings.Contains(s, "我帮您查一下") {
			return errNotYet
		}
		return nil
	})

	// A transfer to agent2, who is not ready yet: the conversation waits for them.
	code, _ = a1.do(http.MethodPost, "/conversations/"+convID+"/transfer", map[string]string{"agentId": "agent2"})
	require.Equal(t, http.StatusOK, code)
	a1.waitEvent("transferred away", func(e agentEvent) bool { return e.Type == "transferred" && e.ConversationID == convID })
	require.Equal(t, http.StatusForbidden, a1.say(convID, "还在吗"), "after the transfer agent1 no longer writes here")
	a2.setStatus("READY")
	require.Equal(t, convID, a2.waitAssigned("conv-user"))
	require.Equal(t, http.StatusOK, a2.say(convID, "您好，我是 agent2"))
	v.waitDownlink("agent2's message", "AGENT", "您好，我是 agent2")

	// agent2 closes: the visitor is asked for a rating and gives it. The
	// close's answer is lost and the console retries it with the same
	// Idempotency-Key: the retry answers the first close's result, where a
	// new close is refused (the conversation is no longer agent2's).
	closeURL := base + "/api/agent/v1/conversations/" + convID + "/close"
	tooLong := rawRequest(t, http.MethodPost, closeURL, map[string]string{"Authorization": "Bearer " + a2.token, "Idempotency-Key": strings.Repeat("k", 65)}, nil)
	require.Equal(t, http.StatusBadRequest, tooLong.status, "an over-long key is refused before the close")
	withKey := map[string]string{"Authorization": "Bearer " + a2.token, "Idempotency-Key": "close-once"}
	first := rawRequest(t, http.MethodPost, closeURL, withKey, nil)
	require.Equal(t, http.StatusOK, first.status)
	closed := first.object(t)
	require.Equal(t, "SATISFACTION", closed["phase"])
	again := rawRequest(t, http.MethodPost, closeURL, withKey, nil)
	require.Equal(t, http.StatusOK, again.status, "a retried close answers the first one's result")
	require.Equal(t, closed, again.object(t))
	code, _ = a2.do(http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusForbidden, code, "a second close without the key is a new command, refused")
	v.waitDownlink("the rating request", "SYSTEM", "请为本次服务评分（1-5 分）。")
	rated := rawRequest(t, http.MethodPost, base+"/apiaccess/ccmessaging/saveSatisfaction", v.headers(),
		map[string]any{"channel": "WEB", "evaluation": "5", "comment": "很好", "userId": v.id, "channelConfigId": demoChannel}).object(t)
	require.Equal(t, "0", rated["resultCode"], rated)
	eventually(t, 10*time.Second, "agent2's slot is free again", func() error {
		var st agentState
		call(t, http.MethodGet, base+"/api/agent/v1/me", a2.headers(), nil, &st)
		if st.Load != 0 {
			return errNotYet
		}
		return nil
	})
	require.Equal(t, http.StatusForbidden, a2.say(convID, "再见"), "a closed conversation is nobody's to write to")

	// agent1 goes offline mid-conversation: the visitor is queued again and
	// gets the next ready agent.
	w := newVisitor(t, base, "offline-user")
	require.Equal(t, "0", w.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", w.send("TRANS2AGENT", "").ResultCode)
	a1.waitAssigned("offline-user")
	st := a1.setStatus("OFFLINE")
	require.Equal(t, 0, st.Load)
	w.waitDownlink("the visitor is told the agent left", "SYSTEM", "座席已离开，正在为您重新排队。")
	a1.setStatus("READY")
	a1.waitAssigned("offline-user")
}

// TestAgentsSeeOnlyTheirTenant has an agent of another tenant try to read and
// write a demo conversation.
func TestAgentsSeeOnlyTheirTenant(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)

	db := openAppDB(t, n.dataDir)
	hash, err := bcrypt.GenerateFromPassword([]byte("other-pass"), bcrypt.MinCost)
	require.NoError(t, err)
	now := time.Now()
	require.NoError(t, db.Create(&models.Tenant{ID: "other", Name: "Other", BusinessID: 2, AppID: "2002", VendorID: "o", SiteID: "web", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&models.SkillGroup{ID: 21, TenantID: "other", Name: "other", CreatedAt: now}).Error)
	require.NoError(t, db.Create(&models.Agent{ID: "other1", TenantID: "other", Username: "other1", Nickname: "O", PasswordHash: string(hash), Capacity: 3, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&models.AgentSkill{AgentID: "other1", SkillGroupID: 21}).Error)

	a1 := loginAgent(t, base, "agent1", "agent1-pass")
	a1.setStatus("READY")
	v := newVisitor(t, base, "tenant-user")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	convID := a1.waitAssigned("tenant-user")
	eventually(t, 10*time.Second, "the conversation is recorded", func() error {
		if code, _ := a1.do(http.MethodGet, "/conversations/"+convID+"/messages", nil); code != http.StatusOK {
			return errNotYet
		}
		return nil
	})

	o := loginAgent(t, base, "other1", "other-pass")
	o.setStatus("READY")
	for _, path := range []string{"/conversations/" + convID, "/conversations/" + convID + "/messages"} {
		code, body := o.do(http.MethodGet, path, nil)
		require.Equal(t, http.StatusForbidden, code, path)
		require.Equal(t, "forbidden", body["code"])
	}
	require.Equal(t, http.StatusForbidden, o.say(convID, "hello"))
	code, _ := o.do(http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusForbidden, code)
	code, _ = o.do(http.MethodPost, "/conversations/"+convID+"/transfer", map[string]any{"skillGroupId": 11})
	require.Equal(t, http.StatusBadRequest, code, "the demo tenant's skill group is not a target for another tenant")
	code, _ = o.do(http.MethodGet, "/conversations/no-such-conversation", nil)
	require.Equal(t, http.StatusNotFound, code)
	_, queue := o.do(http.MethodGet, "/queue", nil)
	require.NotContains(t, mustJSON(t, queue), "tenant-user")

	// The demo conversation goes on untouched.
	require.Equal(t, http.StatusOK, a1.say(convID, "still here"))
	v.waitDownlink("agent1's message", "AGENT", "still here")

	// An operator terminates the conversation's workflow: the agent's close
	// says it has ended, and the slot it held is freed, not lost.
	tc, err := client.Dial(client.Options{HostPort: n.temporal()})
	require.NoError(t, err)
	defer tc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, tc.TerminateWorkflow(ctx, conversation.WorkflowID(convID), "", "test: operator stop"))
	code, body := a1.do(http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, "the conversation has ended", body["message"])
	eventually(t, 10*time.Second, "agent1's slot is freed", func() error {
		var st agentState
		call(t, http.MethodGet, base+"/api/agent/v1/me", a1.headers(), nil, &st)
		if st.Load != 0 {
			return errNotYet
		}
		return nil
	})
}
