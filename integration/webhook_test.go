package integration

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// hookEvent is a webhook body as a receiver reads it.
type hookEvent struct {
	EventID        string `json:"event_id"`
	ConversationID string `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	VisiterID      string `json:"visiter_id"`
	Content        string `json:"content"`
	BusinessID     int64  `json:"business_id"`
	ServiceID      string `json:"service_id"`
	Direction      string `json:"direction"`
	Timestamp      int64  `json:"timestamp"`
	Group          int64  `json:"group"`
	State          string `json:"state"`
	ServiceName    string `json:"service_name"`
	ServiceURL     string `json:"service_url"`
	SourceType     string `json:"source_type"`
	FileURL        string `json:"file_url"`
}

// hookRequest is one request a receiver got and what it answered.
type hookRequest struct {
	eventID   string
	timestamp string
	signature string
	body      []byte
	event     hookEvent
	accepted  bool
}

// hookReceiver is a tenant's webhook receiver. It refuses its first refuse
// requests with 503 (all of them when refuse is negative) and accepts the
// rest; with hang it holds every request until the caller gives up.
type hookReceiver struct {
	mu       sync.Mutex
	refuse   int
	hang     bool
	stop     chan struct{}
	requests []hookRequest
}

func newHookReceiver(t *testing.T, refuse int, hang bool) (*hookReceiver, string) {
	t.Helper()
	r := &hookReceiver{refuse: refuse, hang: hang, stop: make(chan struct{})}
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		close(r.stop)
		srv.Close()
	})
	return r, srv.URL + "/ccflow-events"
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
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
	got.accepted = r.refuse == 0
	if r.refuse > 0 {
		r.refuse--
	}
	r.requests = append(r.requests, got)
	r.mu.Unlock()
	if r.hang {
		select {
		case <-req.Context().Done():
		case <-r.stop:
		}
		return
	}
	if !got.accepted {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *hookReceiver) got() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.requests...)
}

// accepted is the events the receiver took, each once: a repeat of an event
// it already took is what at-least-once allows, and a receiver drops it by id.
func (r *hookReceiver) accepted() []hookEvent {
	var out []hookEvent
	seen := map[string]bool{}
	for _, req := range r.got() {
		if req.accepted && !seen[req.eventID] {
			seen[req.eventID] = true
			out = append(out, req.event)
		}
	}
	return out
}

// verifyHook checks a request the way the README tells a receiver to.
func verifyHook(t *testing.T, secret string, r hookRequest) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(r.timestamp + "." + string(r.body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	require.True(t, hmac.Equal([]byte(want), []byte(r.signature)), "signature of %s verifies", r.eventID)
	sent, err := strconv.ParseInt(r.timestamp, 10, 64)
	require.NoError(t, err)
	require.InDelta(t, time.Now().Unix(), sent, 300, "timestamp is recent")
	require.Equal(t, r.event.EventID, r.eventID, "the header names the body's event")
}

// recordedCodes is the messageCodes of a user's chat records, in order.
func recordedCodes(db *gorm.DB, userID string) ([]string, error) {
	var codes []string
	err := db.Model(&models.ChatRecord{}).Where("user_id = ?", userID).Order("seq").Pluck("message_code", &codes).Error
	return codes, err
}

// chatWithRobot connects, asks the robot questions and waits until every
// answer has been delivered by poll.
func chatWithRobot(t *testing.T, v *visitor, questions []string) {
	t.Helper()
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	v.waitGreeting()
	for _, q := range questions {
		require.Equal(t, "0", v.send("CHAT", q).ResultCode, "send %q", q)
	}
	eventually(t, 60*time.Second, "every robot answer delivered", func() error {
		robot := 0
		for _, m := range v.poll() {
			if m.SourceType == "ROBOT" {
				robot++
			}
		}
		if robot < 1+len(questions) {
			return fmt.Errorf("%d robot messages of %d", robot, 1+len(questions))
		}
		return nil
	})
}

var hookQuestions = []string{"版本", "多久发货？", "如何退货？", "How long does shipping take?", "What are your opening hours?"}

// TestWebhookPushes runs spec 001's push against real receivers: one that
// fails a few times and then accepts gets every message of a conversation, in
// order, signed, repeats under the same event id; and while a receiver hangs
// on every request, visitors still get every answer.
func TestWebhookPushes(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	db := openAppDB(t, n.dataDir)

	const secret = "integration-webhook-secret"
	const failures = 3
	flaky, flakyURL := newHookReceiver(t, failures, false)
	ep := models.WebhookEndpoint{TenantID: models.DemoTenantID, URL: flakyURL, Secret: secret, Enabled: true}
	require.NoError(t, db.Create(&ep).Error)

	v := newVisitor(t, n.url(), "hook-visitor")
	chatWithRobot(t, v, hookQuestions)
	require.Equal(t, "0", v.send("DISCONNECT", "").ResultCode)

	var want []string
	eventually(t, 90*time.Second, "every message pushed", func() error {
		var err error
		if want, err = recordedCodes(db, v.id); err != nil {
			return err
		}
		var got []string
		for _, e := range flaky.accepted() {
			got = append(got, e.EventID)
		}
		if len(want) < 2+2*len(hookQuestions)+2 || fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("pushed %v, recorded %v", got, want)
		}
		return nil
	})

	requests := flaky.got()
	for _, r := range requests {
		verifyHook(t, secret, r)
	}
	require.GreaterOrEqual(t, len(requests), len(want)+failures)
	for i := range failures + 1 {
		require.Equal(t, want[0], requests[i].eventID, "a refused event comes back with the same id")
		require.Equal(t, i == failures, requests[i].accepted)
	}
	events := flaky.accepted()
	for i, e := range events {
		require.Equal(t, int64(i+1), e.Seq, "in order")
		require.Equal(t, events[0].ConversationID, e.ConversationID)
		require.Equal(t, v.id, e.VisiterID)
		require.Equal(t, int64(1), e.BusinessID)
		require.Equal(t, int64(11), e.Group)
		if e.SourceType == "CUSTOMER" {
			require.Equal(t, "to_service", e.Direction, "%+v", e)
		} else {
			require.Equal(t, "to_visiter", e.Direction, "%+v", e)
		}
		if e.SourceType == "ROBOT" {
			require.Equal(t, "小C", e.ServiceName)
			require.Empty(t, e.ServiceID)
		}
	}
	require.Equal(t, "online", events[0].State)
	require.Equal(t, "offline", events[len(events)-1].State, "the closing notice comes after the close")
	require.Equal(t, "版本", events[2].Content)

	// The receiver now hangs on every request: conversations go on as before.
	hung, hungURL := newHookReceiver(t, -1, true)
	require.NoError(t, db.Model(&ep).Update("url", hungURL).Error)
	v2 := newVisitor(t, n.url(), "hook-visitor-2")
	chatWithRobot(t, v2, hookQuestions)
	eventually(t, 30*time.Second, "pushes tried", func() error {
		if len(hung.got()) == 0 {
			return fmt.Errorf("no request yet")
		}
		return nil
	})
	require.Empty(t, hung.accepted())
	require.Equal(t, "0", v2.send("DISCONNECT", "").ResultCode)
}
