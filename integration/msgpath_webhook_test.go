package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// seqRefuser is a webhook receiver that refuses given events of a
// conversation a given number of times (503), and accepts everything else.
type seqRefuser struct {
	mu       sync.Mutex
	refuse   map[string]map[int64]int // visitor → seq → refusals left
	requests []hookRequest
}

func (r *seqRefuser) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	contract.checkPush(req, body)
	got := hookRequest{
		eventID: req.Header.Get("X-Ccflow-Event-Id"), timestamp: req.Header.Get("X-Ccflow-Timestamp"),
		signature: req.Header.Get("X-Ccflow-Signature"), body: body,
	}
	if err := json.Unmarshal(body, &got.event); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	left := r.refuse[got.event.VisiterID][got.event.Seq]
	got.accepted = left == 0
	if left > 0 {
		r.refuse[got.event.VisiterID][got.event.Seq] = left - 1
	}
	r.requests = append(r.requests, got)
	r.mu.Unlock()
	if !got.accepted {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// of is the requests about one visitor's conversation, in arrival order.
func (r *seqRefuser) of(visitorID string) []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []hookRequest
	for _, q := range r.requests {
		if q.event.VisiterID == visitorID {
			out = append(out, q)
		}
	}
	return out
}

// firstAccepted is the events accepted, each once (a receiver dedupes by id).
func firstAccepted(reqs []hookRequest) []hookEvent {
	var out []hookEvent
	seen := map[string]bool{}
	for _, q := range reqs {
		if q.accepted && !seen[q.eventID] {
			seen[q.eventID] = true
			out = append(out, q.event)
		}
	}
	return out
}

// TestWebhookOrderAcrossMessageLog pushes two conversations to a receiver on
// 127.0.0.1, registered through the admin API: one with the robot, the
// queue, an agent, messages both ways, the agent's close and the rating;
// one with the robot and a DISCONNECT. The receiver refuses a few events in
// the middle of each, and the all-in-one is SIGKILLed and restarted while it
// holds one back. Every message reaches it exactly in seq order, with
// contiguous seqs 1..N matching the log; a refused event comes back with the
// same event id and body, and no later event is sent before it is accepted.
func TestWebhookOrderAcrossMessageLog(t *testing.T) {
	const adminKey = "msgpath-webhook-admin-key-0123456789"
	n := newNode(t)
	p := start(t, with(with(n.env(), "CCFLOW_ADMIN_KEY", adminKey), "CCFLOW_WEBHOOK_ALLOW_PRIVATE", "true"))
	waitReady(t, p, n.url())
	db := openAppDB(t, n.dataDir)

	const agentVisitor, robotVisitor = "hook-order-agent", "hook-order-robot"
	refuse := map[string]map[int64]int{ // visitor → seq → how often it is refused
		agentVisitor: {4: 2, 8: 3, 11: 1},
		robotVisitor: {3: 2, 5: 1},
	}
	recv := &seqRefuser{refuse: map[string]map[int64]int{}}
	for who, m := range refuse {
		recv.refuse[who] = maps.Clone(m)
	}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	var hook struct {
		ID     json.Number `json:"id"`
		Secret string      `json:"secret"`
	}
	code := call(t, http.MethodPost, n.url()+"/api/admin/v1/webhooks", map[string]string{"Authorization": "Bearer " + adminKey},
		map[string]any{"tenantId": "demo", "url": srv.URL + "/ccflow-events"}, &hook)
	require.Equal(t, http.StatusCreated, code)
	require.NotEmpty(t, hook.Secret)

	// The robot-only conversation runs beside the other.
	rv := newVisitor(t, n.url(), robotVisitor)
	require.Equal(t, "0", rv.send("CONNECT", "").ResultCode)
	for _, q := range []string{"版本", "如何退货？", "What are your opening hours?"} {
		require.Equal(t, "0", rv.send("CHAT", q).ResultCode)
	}

	ag := loginAgent(t, n.url(), "agent1", "agent1-pass")
	ag.setStatus("READY")
	v := newVisitor(t, n.url(), agentVisitor)
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	require.Equal(t, "0", v.send("CHAT", "版本").ResultCode)
	v.waitDownlink("the robot's answer", "ROBOT", "当前版本为 ccflow 1.0：机器人问答、排队转人工、满意度评价与留言均已支持。")
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	convID := ag.waitAssigned(v.id)
	for i := range 3 {
		require.Equal(t, "0", v.send("CHAT", fmt.Sprintf("visitor line %d", i)).ResultCode)
		require.Equal(t, http.StatusOK, ag.say(convID, fmt.Sprintf("agent line %d", i)))
	}
	code, _ = ag.do(http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusOK, code)
	rated := rawRequest(t, http.MethodPost, n.url()+pathSatisfaction, v.headers(),
		map[string]any{"userId": v.id, "channelConfigId": demoChannel, "channel": "WEB", "evaluation": "5", "comment": "good"}).object(t)
	require.Equal(t, "0", str(t, rated, "resultCode"), "%v", rated)
	require.Equal(t, "0", rv.send("DISCONNECT", "").ResultCode)

	// The all-in-one dies while the receiver holds an event back; the
	// deliveries go on after the restart from the cursors in the database.
	eventually(t, time.Minute, "event 8 refused once", func() error {
		for _, q := range recv.of(agentVisitor) {
			if q.event.Seq == 8 && !q.accepted {
				return nil
			}
		}
		return errNotYet
	})
	p.kill()
	p = start(t, with(with(n.env(), "CCFLOW_ADMIN_KEY", adminKey), "CCFLOW_WEBHOOK_ALLOW_PRIVATE", "true"))
	waitReady(t, p, n.url())

	for _, who := range []string{agentVisitor, robotVisitor} {
		conv := conversationRow(t, db, who)
		eventually(t, 3*time.Minute, who+": every message pushed", func() error {
			conv = conversationRow(t, db, who)
			if conv.Phase != "CLOSED" {
				return fmt.Errorf("phase %s", conv.Phase)
			}
			if got := len(firstAccepted(recv.of(who))); int64(got) < conv.LastSeq {
				return fmt.Errorf("%d of %d accepted", got, conv.LastSeq)
			}
			return nil
		})
		var codes []string
		for _, r := range conversationRecords(t, db, conv.ID) {
			codes = append(codes, r.MessageCode)
		}

		reqs := recv.of(who)
		events := firstAccepted(reqs)
		var ids []string
		for i, e := range events {
			require.Equal(t, int64(i+1), e.Seq, "%s: accepted in seq order, 1..N without a gap", who)
			require.Equal(t, conv.ID, e.ConversationID)
			ids = append(ids, e.EventID)
			wantState := "online"
			if i == len(events)-1 {
				wantState = "offline"
			}
			require.Equal(t, wantState, e.State, "%s: %+v", who, e)
		}
		require.Equal(t, codes, ids, "%s: the log's messages, each once, in order", who)

		// The attempts themselves: never ahead of an event not yet accepted,
		// and a refused event comes back as it was.
		accepted := map[int64]bool{}
		for i, q := range reqs {
			verifyHook(t, hook.Secret, q)
			for s := int64(1); s < q.event.Seq; s++ {
				require.True(t, accepted[s], "%s: event %d sent before event %d was accepted (attempt %d)", who, q.event.Seq, s, i)
			}
			if q.accepted {
				accepted[q.event.Seq] = true
				continue
			}
			require.Greater(t, len(reqs), i+1, "%s: a refused event is retried", who)
			next := reqs[i+1]
			require.Equal(t, q.eventID, next.eventID, "%s: the next attempt after a refusal is the same event", who)
			require.Equal(t, string(q.body), string(next.body), "%s: a retried event carries the same body", who)
		}
		refusals := 0
		for _, q := range reqs {
			if !q.accepted {
				refusals++
			}
		}
		want := 0
		for _, k := range refuse[who] {
			want += k
		}
		require.Equal(t, want, refusals, "%s: the refusals happened", who)
		sources := map[string]bool{}
		for _, e := range events {
			sources[e.SourceType] = true
		}
		if who == agentVisitor {
			for _, s := range []string{"CUSTOMER", "ROBOT", "SYSTEM", "AGENT"} {
				require.True(t, sources[s], "%s: a %s message was pushed", who, s)
			}
			require.True(t, slices.ContainsFunc(events, func(e hookEvent) bool { return e.Content == "agent line 2" && e.ServiceID == "agent1" }))
		}
		t.Logf("%s: %d events, %d attempts", who, len(events), len(reqs))
	}
	p.terminate()
}
