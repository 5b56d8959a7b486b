package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Agent API (ccflow's own, /api/agent/v1). Every name of that contract that
// ccbench relies on is in this file.
const agentAPI = "/api/agent/v1"

// Agent presences for PUT /status.
const (
	agentReady    = "READY"
	agentNotReady = "NOT_READY"
	agentOffline  = "OFFLINE"
)

// Event types of GET /events.
const (
	eventAssigned    = "assigned"
	eventMessage     = "message"
	eventTransferred = "transferred"
	eventClosed      = "closed"
	eventRequeued    = "requeued"
)

// senderCustomer marks a visitor's message in an agent event.
const senderCustomer = "CUSTOMER"

// agentMessage is a conversation message as the agent API shows it.
type agentMessage struct {
	Seq         int64  `json:"seq"`
	MessageCode string `json:"messageCode"`
	Direction   string `json:"direction"`
	SenderType  string `json:"senderType"`
	SenderID    string `json:"senderId"`
	MediaType   string `json:"mediaType"`
	Content     string `json:"content"`
}

// conversationView is a conversation as the agent API shows it.
type conversationView struct {
	ID           string `json:"id"`
	UserID       string `json:"userId"`
	UserName     string `json:"userName"`
	Phase        string `json:"phase"`
	SkillGroupID int64  `json:"skillGroupId"`
	AgentID      string `json:"agentId"`
}

// agentEvent is one entry of an agent's event feed.
type agentEvent struct {
	Seq            int64             `json:"seq"`
	Type           string            `json:"type"`
	ConversationID string            `json:"conversationId"`
	Message        *agentMessage     `json:"message"`
	Conversation   *conversationView `json:"conversation"`
}

// agentClient is one agent's session with the agent API. It logs in again
// once when its token is refused, as a console would after the token expired.
type agentClient struct {
	c *caller
	// reads takes the event reads (another replica with -read-url).
	reads    *caller
	username string
	password string

	mu      sync.Mutex
	token   string
	agentID string
}

// login obtains a token (POST /login).
func (a *agentClient) login(ctx context.Context) error {
	var ans struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expiresAt"`
		Agent     struct {
			ID       string `json:"id"`
			Capacity int    `json:"capacity"`
		} `json:"agent"`
	}
	_, err := a.c.doRetry(ctx, 3, call{
		op: "agent login", method: http.MethodPost, path: agentAPI + "/login",
		body: map[string]string{"username": a.username, "password": a.password},
		out:  &ans,
	})
	if err != nil {
		return err
	}
	if ans.Token == "" {
		return &apiError{Op: "agent login", Status: http.StatusOK, Code: "no token", Msg: "login answer has no token"}
	}
	a.mu.Lock()
	a.token, a.agentID = ans.Token, ans.Agent.ID
	a.mu.Unlock()
	return nil
}

// authed sends c with the agent's token, logging in again after a 401.
func (a *agentClient) authed(ctx context.Context, attempts int, c call) error {
	return a.authedOn(ctx, a.c, attempts, c)
}

// authedOn is authed through caller to.
func (a *agentClient) authedOn(ctx context.Context, to *caller, attempts int, c call) error {
	for try := 0; ; try++ {
		a.mu.Lock()
		c.headers = map[string]string{"Authorization": "Bearer " + a.token}
		a.mu.Unlock()
		_, err := to.doRetry(ctx, attempts, c)
		var ae *apiError
		if try == 0 && errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
			if lerr := a.login(ctx); lerr != nil {
				return errors.Join(err, lerr)
			}
			continue
		}
		return err
	}
}

// setStatus sets the agent's presence (PUT /status).
func (a *agentClient) setStatus(ctx context.Context, status string) error {
	return a.authed(ctx, 3, call{
		op: "agent status " + status, method: http.MethodPut, path: agentAPI + "/status",
		body: map[string]string{"status": status},
	})
}

// events long-polls the feed after cursor (GET /events); it returns the
// events and the cursor to ask with next.
func (a *agentClient) events(ctx context.Context, cursor int64, wait time.Duration) ([]agentEvent, int64, error) {
	var ans struct {
		Events []agentEvent `json:"events"`
		Cursor int64        `json:"cursor"`
	}
	q := url.Values{}
	q.Set("cursor", strconv.FormatInt(cursor, 10))
	q.Set("wait", strconv.Itoa(int(wait/time.Second)))
	err := a.authedOn(ctx, a.reads, 1, call{
		op: "agent events", method: http.MethodGet, path: agentAPI + "/events?" + q.Encode(),
		out: &ans, timeout: wait + requestTimeout,
	})
	if err != nil {
		return nil, cursor, err
	}
	next := ans.Cursor
	for _, e := range ans.Events {
		next = max(next, e.Seq)
	}
	return ans.Events, next, nil
}

// sendMessage posts a text to a conversation; messageCode makes retries safe.
func (a *agentClient) sendMessage(ctx context.Context, convID, content, messageCode string) error {
	return a.authed(ctx, 3, call{
		op: "agent send", method: http.MethodPost, path: agentAPI + "/conversations/" + url.PathEscape(convID) + "/messages",
		body: map[string]string{"content": content, "mediaType": "TEXT", "messageCode": messageCode},
	})
}

// closeConversation ends the agent's service of a conversation. Its
// retries carry one Idempotency-Key: a close whose answer timed out went
// through, and a new close would be refused as not the agent's any more.
func (a *agentClient) closeConversation(ctx context.Context, convID string) error {
	return a.authed(ctx, 3, call{
		op: "agent close", method: http.MethodPost, path: agentAPI + "/conversations/" + url.PathEscape(convID) + "/close",
		key: "close-" + convID,
	})
}
