package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// agent talks to the agent API the way the console does: a login, then calls
// with the bearer session.
type agent struct {
	t      testing.TB
	base   string
	id     string
	token  string
	cursor int64
}

type agentEvent struct {
	Seq            int64  `json:"seq"`
	Type           string `json:"type"`
	ConversationID string `json:"conversationId"`
	// Note is a supervisor's whisper (type "whisper").
	Note *struct {
		Content  string `json:"content"`
		FromName string `json:"fromName"`
	} `json:"note"`
	Message *struct {
		Content    string `json:"content"`
		SenderType string `json:"senderType"`
		Direction  string `json:"direction"`
	} `json:"message"`
	Conversation *struct {
		ID           string          `json:"id"`
		UserID       string          `json:"userId"`
		SkillGroupID int64           `json:"skillGroupId"`
		FromAgentID  string          `json:"fromAgentId"`
		ProductCard  json.RawMessage `json:"productCard"`
	} `json:"conversation"`
}

type agentState struct {
	Status        string `json:"status"`
	Load          int    `json:"load"`
	Conversations []struct {
		ID     string `json:"id"`
		UserID string `json:"userId"`
	} `json:"conversations"`
}

func loginAgent(t testing.TB, base, username, password string) *agent {
	t.Helper()
	var out struct {
		Token  string `json:"token"`
		Cursor int64  `json:"cursor"`
		Agent  struct {
			ID string `json:"id"`
		} `json:"agent"`
	}
	code := call(t, http.MethodPost, base+"/api/agent/v1/login", nil, map[string]string{"username": username, "password": password}, &out)
	require.Equal(t, http.StatusOK, code)
	return &agent{t: t, base: base, id: out.Agent.ID, token: out.Token, cursor: out.Cursor}
}

func (a *agent) headers() map[string]string {
	return map[string]string{"Authorization": "Bearer " + a.token}
}

// do calls the agent API and returns the status and decoded answer.
func (a *agent) do(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	ans := rawRequest(a.t, method, a.base+"/api/agent/v1"+path, a.headers(), body)
	return ans.status, ans.object(a.t)
}

func (a *agent) setStatus(status string) agentState {
	a.t.Helper()
	var st agentState
	code := call(a.t, http.MethodPut, a.base+"/api/agent/v1/status", a.headers(), map[string]string{"status": status}, &st)
	require.Equal(a.t, http.StatusOK, code)
	require.Equal(a.t, status, st.Status)
	return st
}

// events long-polls the agent's feed once, moving the cursor on.
func (a *agent) events(wait int) []agentEvent {
	a.t.Helper()
	var out struct {
		Events []agentEvent `json:"events"`
		Cursor int64        `json:"cursor"`
	}
	code := call(a.t, http.MethodGet, a.base+"/api/agent/v1/events?cursor="+strconv.FormatInt(a.cursor, 10)+"&wait="+strconv.Itoa(wait),
		a.headers(), nil, &out)
	require.Equal(a.t, http.StatusOK, code)
	a.cursor = out.Cursor
	return out.Events
}

// waitEvent reads the feed until an event matches.
func (a *agent) waitEvent(what string, match func(agentEvent) bool) agentEvent {
	a.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range a.events(5) {
			if match(e) {
				return e
			}
		}
	}
	a.t.Fatalf("agent %s: no %s event", a.id, what)
	return agentEvent{}
}

func (a *agent) waitAssigned(userID string) string {
	a.t.Helper()
	e := a.waitEvent(fmt.Sprintf("assignment of %s", userID), func(e agentEvent) bool {
		return e.Type == "assigned" && e.Conversation != nil && e.Conversation.UserID == userID
	})
	return e.ConversationID
}

func (a *agent) say(conversationID, content string) int {
	a.t.Helper()
	code, _ := a.do(http.MethodPost, "/conversations/"+conversationID+"/messages", map[string]string{"content": content})
	return code
}

// errNotYet makes eventually try again.
var errNotYet = fmt.Errorf("not yet")

// mustJSON renders v as JSON, for checks on what an answer contains.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
