package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// receiver is a webhook endpoint under test: it answers each request with
// the next status of its script (200 once the script is used up) and keeps
// every request.
type receiver struct {
	mu       sync.Mutex
	script   []int
	requests []receivedRequest
}

type receivedRequest struct {
	header http.Header
	body   []byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.requests = append(r.requests, receivedRequest{header: req.Header.Clone(), body: body})
	status := http.StatusOK
	if len(r.script) > 0 {
		status, r.script = r.script[0], r.script[1:]
	}
	r.mu.Unlock()
	if status == http.StatusFound {
		http.Redirect(w, req, "/elsewhere", status)
		return
	}
	w.WriteHeader(status)
}

func (r *receiver) got() []receivedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedRequest(nil), r.requests...)
}

// pushEnv is a database with a tenant's endpoint pointing at a receiver.
type pushEnv struct {
	db       *gorm.DB
	recv     *receiver
	server   *httptest.Server
	endpoint models.WebhookEndpoint
	pusher   *Pusher
}

const testSecret = "whsec-test"

func newPushEnv(t *testing.T, script ...int) *pushEnv {
	t.Helper()
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(context.Background(), db)
	require.NoError(t, err)
	recv := &receiver{script: script}
	server := httptest.NewServer(recv)
	t.Cleanup(server.Close)
	ep := models.WebhookEndpoint{TenantID: models.DemoTenantID, URL: server.URL + "/hook?token=receiver-secret", Secret: testSecret, Enabled: true}
	require.NoError(t, db.Create(&ep).Error)
	require.NoError(t, db.Model(&models.Agent{}).Where("id = ?", "agent1").Update("avatar", "https://cdn.example.com/agent1.png").Error)
	return &pushEnv{db: db, recv: recv, server: server, endpoint: ep, pusher: &Pusher{DB: db, Client: NewWebhookClient()}}
}

// run runs Push as Temporal runs an activity; heartbeat, when set, is the
// progress a previous attempt recorded. It returns the progress this attempt
// recorded (-1 for none).
func (e *pushEnv) run(t *testing.T, events []PushEvent, heartbeat ...int) (int, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(e.pusher)
	if len(heartbeat) > 0 {
		env.SetHeartbeatDetails(heartbeat[0])
	}
	progress := -1
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		require.NoError(t, details.Get(&progress))
	})
	_, err := env.ExecuteActivity(e.pusher.Push, PushRequest{TenantID: models.DemoTenantID, EndpointID: e.endpoint.ID, Events: events})
	return progress, err
}

func testEvents(n int) []PushEvent {
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	out := make([]PushEvent, n)
	for i := range out {
		seq := int64(i + 1)
		out[i] = PushEvent{
			EventID: "conv-1-" + strconv.FormatInt(seq, 10), ConversationID: "conv-1", Seq: seq, VisitorID: "visitor-1",
			Content: "消息 " + strconv.FormatInt(seq, 10), BusinessID: 1, ServiceName: "小C",
			Direction: DirectionToService, At: at.Add(time.Duration(i) * time.Second), SkillGroup: 11,
			State: StateOnline, SourceType: "CUSTOMER", ControlType: "CHAT",
		}
	}
	return out
}

// verify checks a request's signature the way the README tells receivers to.
func verify(t *testing.T, r receivedRequest) {
	t.Helper()
	ts := r.header.Get(HeaderTimestamp)
	sent, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	require.InDelta(t, time.Now().Unix(), sent, 60, "the timestamp is the attempt's")
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(ts + "." + string(r.body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	require.True(t, hmac.Equal([]byte(want), []byte(r.header.Get(HeaderSignature))), "signature verifies")
}

func TestPushSignsAndSendsSpecFields(t *testing.T) {
	e := newPushEnv(t)
	events := testEvents(2)
	events[1].Direction, events[1].SourceType = DirectionToVisiter, "AGENT"
	events[1].ServiceID, events[1].ServiceName = "agent1", "Amy"
	_, err := e.run(t, events)
	require.NoError(t, err)

	got := e.recv.got()
	require.Len(t, got, 2)
	for i, r := range got {
		verify(t, r)
		require.Equal(t, events[i].EventID, r.header.Get(HeaderEventID))
		require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(got[1].body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&body))
	require.Equal(t, map[string]any{
		"event_id": "conv-1-2", "conversation_id": "conv-1", "seq": json.Number("2"),
		"visiter_id": "visitor-1", "content": "消息 2", "business_id": json.Number("1"),
		"service_id": "agent1", "direction": "to_visiter",
		"timestamp": json.Number(strconv.FormatInt(events[1].At.Unix(), 10)), "group": json.Number("11"),
		"state": "online", "service_name": "Amy", "service_url": "https://cdn.example.com/agent1.png",
		"source_type": "AGENT", "control_type": "CHAT",
	}, body)
	require.Contains(t, string(got[0].body), `"service_id":"","direction":"to_service"`)
	require.Contains(t, string(got[0].body), `"service_url":""`)
}

func TestPushRefusedIsAnError(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusBadRequest, http.StatusFound} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			e := newPushEnv(t, status)
			progress, err := e.run(t, testEvents(1))
			require.ErrorContains(t, err, "receiver answered "+strconv.Itoa(status))
			require.Equal(t, -1, progress)
			require.Len(t, e.recv.got(), 1, "a redirect is not followed")
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		e := newPushEnv(t)
		e.server.Close()
		_, err := e.run(t, testEvents(1))
		require.Error(t, err)
		require.NotContains(t, err.Error(), "receiver-secret", "the URL stays out of errors and logs")
	})
}

func TestPushGoesOnFromTheFirstUnacceptedEvent(t *testing.T) {
	e := newPushEnv(t, http.StatusOK, http.StatusOK, http.StatusServiceUnavailable)
	events := testEvents(4)
	progress, err := e.run(t, events)
	require.Error(t, err)
	require.Equal(t, 2, progress, "the first two events were accepted, and a failed attempt reports that")
	require.Len(t, e.recv.got(), 3, "the push stopped at the refused one")

	// The retry reads that progress and starts with the refused event.
	_, err = e.run(t, events, progress)
	require.NoError(t, err)
	var ids []string
	for _, r := range e.recv.got() {
		ids = append(ids, r.header.Get(HeaderEventID))
	}
	require.Equal(t, []string{"conv-1-1", "conv-1-2", "conv-1-3", "conv-1-3", "conv-1-4"}, ids, "in order; only the refused one came twice")
}

func TestPushSkipsDisabledOrRemovedEndpoints(t *testing.T) {
	e := newPushEnv(t)
	require.NoError(t, e.db.Model(&e.endpoint).Update("enabled", false).Error)
	_, err := e.run(t, testEvents(1))
	require.NoError(t, err)
	require.NoError(t, e.db.Delete(&e.endpoint).Error)
	_, err = e.run(t, testEvents(1))
	require.NoError(t, err)
	require.Empty(t, e.recv.got())
}

func TestSignature(t *testing.T) {
	// As openssl computes it: printf 1700000000.{} | openssl dgst -sha256 -hmac secret
	require.Equal(t, "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163",
		Signature("secret", "1700000000", []byte("{}")))
}
