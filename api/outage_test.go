package api

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// cutDatabase makes every statement on db fail as a dropped connection does
// while down is set: an outage that ends when it is cleared.
func cutDatabase(t *testing.T, db *gorm.DB, down *atomic.Bool) {
	t.Helper()
	modelstest.InterceptStatements(db, func(string) error {
		if down.Load() {
			return driver.ErrBadConn
		}
		return nil
	})
}

// downFlows is the conversation workflows behind a Temporal that can be down.
type downFlows struct {
	noFlows
	down     atomic.Bool
	mu       sync.Mutex
	commands []conversation.CommandRequest
}

func (f *downFlows) err() error {
	if f.down.Load() {
		return serviceerror.NewUnavailable("connection refused")
	}
	return nil
}

func (f *downFlows) AskRobot(context.Context, string, chat.Opening, int64) error { return f.err() }
func (f *downFlows) Command(_ context.Context, _ string, _ chat.Opening, r conversation.CommandRequest) (conversation.SendResult, error) {
	if err := f.err(); err != nil {
		return conversation.SendResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands = append(f.commands, r)
	return conversation.SendResult{Code: conversation.CodeOK, Desc: conversation.DescTransferOK}, nil
}

// sendCoded is a send with a messageCode, as the chat page and ccbench send.
func (s webSession) sendCoded(controlType, content, code string) (int, string, string, http.Header) {
	s.e.t.Helper()
	body, err := json.Marshal(map[string]string{
		"channel": "WEB", "controlType": controlType, "content": content, "mediaType": "TEXT",
		"sourceType": "CUSTOMER", "from": s.UserID, "to": s.ChannelConfigID, "messageCode": code,
	})
	require.NoError(s.e.t, err)
	w := s.call(http.MethodPost, "/apiaccess/ccmessaging/send", string(body))
	rc, desc := envelope(s.e.t, w)
	return w.Code, rc, desc, w.Header()
}

// countRecords counts the visitor's records with content.
func countRecords(t *testing.T, db *gorm.DB, userID, controlType, content string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Model(&models.ChatRecord{}).
		Where("user_id = ? AND control_type = ? AND content = ?", userID, controlType, content).Count(&n).Error)
	return n
}

// What README's "What an outage does" says of the database: every customer
// call that needs it answers 503 with Retry-After in its own envelope (send's
// code 13), nothing is half-written, and the same send retried with its
// messageCode once the database is back is applied exactly once.
func TestDatabaseOutageAnswers503AndARetryIsAppliedOnce(t *testing.T) {
	var down atomic.Bool
	e := newWebEnvWith(t, func(d *Deps) {
		hub := notify.NewHub()
		d.Chat = chat.NewService(&chatlog.Log{DB: d.Directory.DB, Pub: hub}, hub, noFlows{}, slog.New(slog.DiscardHandler))
		d.ChatRecords = &chatrecords.Store{DB: d.Directory.DB}
		cutDatabase(t, d.Directory.DB, &down)
	})
	s, _ := e.enter(signedQuery("demo-app-secret", "outage-1", e.clock.now().Unix()))
	status, code, _, _ := s.sendCoded("CONNECT", "", "m-connect")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "0", code)

	down.Store(true)
	status, code, desc, h := s.sendCoded("CHAT", "sent during the outage", "m-1")
	require.Equal(t, http.StatusServiceUnavailable, status, desc)
	require.Equal(t, "5", h.Get("Retry-After"))
	require.Equal(t, "13", code, "send's failure code")
	w := s.call(http.MethodGet, "/apiaccess/ccmessaging/poll?cursor=0", "")
	require.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
	require.Equal(t, "5", w.Header().Get("Retry-After"))
	w = s.call(http.MethodGet, "/chat-records/list?memberId=outage-1&sellerId=demo", "")
	require.Equal(t, http.StatusServiceUnavailable, w.Code, "spec 004's envelope too: %s", w.Body.String())
	require.Contains(t, w.Body.String(), `"result":"error"`)

	down.Store(false)
	require.Zero(t, countRecords(t, e.db, s.UserID, "CHAT", "sent during the outage"), "a refused send wrote nothing")
	for range 2 { // the client's retry, and a retry of a retry whose answer was lost
		status, code, _, _ = s.sendCoded("CHAT", "sent during the outage", "m-1")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "0", code)
	}
	require.EqualValues(t, 1, countRecords(t, e.db, s.UserID, "CHAT", "sent during the outage"), "applied once")
}

// What README's "What an outage does" says of Temporal: the message path
// answers without it (CONNECT, chat lines, even a robot question, which
// waits in the log), and what needs a workflow (TRANS2AGENT, DISCONNECT)
// answers 503 with Retry-After; retried with its messageCode it is applied once.
func TestTemporalOutageKeepsChatAndRefusesCommandsRetryably(t *testing.T) {
	flows := &downFlows{}
	e := newWebEnvWith(t, func(d *Deps) {
		hub := notify.NewHub()
		d.Chat = chat.NewService(&chatlog.Log{DB: d.Directory.DB, Pub: hub}, hub, flows, slog.New(slog.DiscardHandler))
	})
	s, _ := e.enter(signedQuery("demo-app-secret", "outage-2", e.clock.now().Unix()))
	flows.down.Store(true)
	status, code, _, _ := s.sendCoded("CONNECT", "", "m-connect")
	require.Equal(t, http.StatusOK, status, "CONNECT needs no Temporal")
	require.Equal(t, "0", code)
	status, code, _, _ = s.sendCoded("CHAT", "版本", "m-question")
	require.Equal(t, http.StatusOK, status, "a robot question is in the log; the robot reads it once Temporal is back")
	require.Equal(t, "0", code)
	status, code, desc, h := s.sendCoded("TRANS2AGENT", "", "m-transfer")
	require.Equal(t, http.StatusServiceUnavailable, status, desc)
	require.Equal(t, "5", h.Get("Retry-After"))
	require.Equal(t, "13", code)

	flows.down.Store(false)
	for range 2 {
		status, code, _, _ = s.sendCoded("TRANS2AGENT", "", "m-transfer")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "0", code)
	}
	require.EqualValues(t, 1, countRecords(t, e.db, s.UserID, "TRANS2AGENT", ""), "the transfer is in the log once")
	flows.mu.Lock()
	defer flows.mu.Unlock()
	for _, c := range flows.commands {
		require.Equal(t, "m-transfer", c.DedupeKey, "every attempt reaches the workflow with the same key, which applies it once")
	}
}
