package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCCFlow is an in-memory stand-in for ccflow's customer, agent and
// admin APIs, just faithful enough to drive ccbench's flow, with knobs to
// lose or repeat a message.
type fakeCCFlow struct {
	t *testing.T

	mu      sync.Mutex
	changed chan struct{}
	convs   map[string]*fakeConv // by user id
	agents  map[string]*fakeAgent
	queue   []*fakeConv
	nextID  int

	// noAdmin answers 404 to the admin API, as a ccflow without it.
	noAdmin bool
	// dropReply drops the agent message with this content prefix.
	dropReply string
	// dropEvent never tells the agent of the customer message with this prefix.
	dropEvent string
	// repeatEvent delivers the customer message with this content prefix twice.
	repeatEvent string

	deleted []string
	offline []string

	// What a Temporal would hold, for faketemporal_test.go: every
	// conversation ever connected, and when each workflow wrote an event.
	all          []*fakeConv
	routingStart time.Time
	routing      []time.Time
}

type fakeConv struct {
	id       string
	user     string
	phase    string
	agent    *fakeAgent
	messages []downlink
	// started and closed bound the conversation's workflow run; history
	// has an event time for every command it handled.
	started time.Time
	closed  time.Time
	history []time.Time
}

type fakeAgent struct {
	id       string
	username string
	password string
	capacity int
	ready    bool
	load     int
	events   []agentEvent
	// created and history are the agent desk workflow's start and events.
	created time.Time
	history []time.Time
}

func newFakeCCFlow(t *testing.T) (*fakeCCFlow, *httptest.Server) {
	f := &fakeCCFlow{t: t, changed: make(chan struct{}), convs: map[string]*fakeConv{}, agents: map[string]*fakeAgent{},
		routingStart: time.Now().Add(-time.Hour), routing: []time.Time{time.Now().Add(-time.Hour)}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

// bump wakes every long-poll; callers hold mu.
func (f *fakeCCFlow) bump() {
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeCCFlow) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.t.Errorf("fake ccflow: encode answer: %v", err)
	}
}

func (f *fakeCCFlow) decode(r *http.Request, v any) {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		f.t.Errorf("fake ccflow: %s %s: decode body: %v", r.Method, r.URL.Path, err)
	}
}

func (f *fakeCCFlow) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/readyz":
		f.reply(w, 200, map[string]string{"status": "ready"})
	case p == tokenByAkSkPath:
		f.reply(w, 200, map[string]string{"AccessToken": "access", "Expires": "3600"})
	case p == applyTokenPath:
		var req map[string]string
		f.decode(r, &req)
		f.reply(w, 200, map[string]string{"resultCode": "0", "token": "visitor:" + req["userId"]})
	case p == sendPath:
		f.send(w, r)
	case p == pollPath:
		f.poll(w, r)
	case p == saveSatisfactionPath:
		f.rate(w, r)
	case strings.HasPrefix(p, adminAgentsPath):
		f.admin(w, r)
	case strings.HasPrefix(p, agentAPI):
		f.agentAPI(w, r)
	default:
		f.reply(w, 404, map[string]string{"code": "404", "message": "Not Found"})
	}
}

func (f *fakeCCFlow) say(c *fakeConv, source, content string) {
	c.messages = append(c.messages, downlink{Content: content, SourceType: source, Seq: int64(len(c.messages) + 1)})
}

func (f *fakeCCFlow) send(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	f.decode(r, &req)
	user, _ := req["from"].(string)
	if r.Header.Get(sessionTokenHeader) != "visitor:"+user {
		f.reply(w, 403, map[string]string{"resultCode": "403", "resultDesc": "token of another user"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.bump()
	c := f.convs[user]
	switch req["controlType"] {
	case "CONNECT":
		f.nextID++
		now := time.Now()
		c = &fakeConv{id: "conv-" + strconv.Itoa(f.nextID), user: user, phase: "ROBOT", started: now, history: []time.Time{now, now}}
		f.convs[user] = c
		f.all = append(f.all, c)
		f.say(c, sourceRobot, "欢迎欢迎，热烈欢迎")
	case "TRANS2AGENT":
		c.phase = "QUEUED"
		f.say(c, sourceSystem, textsQueued[0])
		f.queue = append(f.queue, c)
		f.assign()
	case "CHAT":
		content, _ := req["content"].(string)
		ev := agentEvent{Type: eventMessage, ConversationID: c.id, Message: &agentMessage{SenderType: senderCustomer, Content: content}}
		if f.dropEvent == "" || !strings.HasPrefix(content, f.dropEvent) {
			f.emit(c.agent, ev)
		}
		if f.repeatEvent != "" && strings.HasPrefix(content, f.repeatEvent) {
			f.emit(c.agent, ev)
		}
	case "DISCONNECT":
		f.end(c)
	}
	c.history = append(c.history, time.Now())
	f.reply(w, 200, map[string]string{"resultCode": "0", "resultDesc": "ok"})
}

func (f *fakeCCFlow) emit(a *fakeAgent, e agentEvent) {
	if a == nil {
		f.t.Errorf("fake ccflow: event %s of a conversation without agent", e.Type)
		return
	}
	e.Seq = int64(len(a.events) + 1)
	a.events = append(a.events, e)
	a.history = append(a.history, time.Now())
}

// assign hands queued conversations to ready agents with room; mu held.
func (f *fakeCCFlow) assign() {
	for len(f.queue) > 0 {
		var free *fakeAgent
		for _, a := range f.agents {
			if a.ready && a.load < a.capacity {
				free = a
				break
			}
		}
		if free == nil {
			return
		}
		c := f.queue[0]
		f.queue = f.queue[1:]
		c.agent, c.phase = free, "AGENT"
		free.load++
		f.say(c, sourceSystem, textsConnected[0])
		f.routing = append(f.routing, time.Now())
		f.emit(free, agentEvent{Type: eventAssigned, ConversationID: c.id, Conversation: &conversationView{ID: c.id, UserID: c.user}})
	}
}

// end asks for the rating and frees the agent; mu held.
func (f *fakeCCFlow) end(c *fakeConv) {
	if c.phase != "AGENT" {
		return
	}
	c.phase = "SATISFACTION"
	f.say(c, sourceSystem, textsRateAsk[0])
	c.agent.load--
	f.emit(c.agent, agentEvent{Type: eventClosed, ConversationID: c.id})
	f.assign()
}

func (f *fakeCCFlow) poll(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("receiverId")
	cursor, _ := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64)
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	// A poll is an update of the conversation: accepted now, completed with
	// the answer, empty or not.
	f.mu.Lock()
	if c := f.convs[user]; c != nil {
		c.history = append(c.history, time.Now())
	}
	f.mu.Unlock()
	for {
		f.mu.Lock()
		c := f.convs[user]
		var msgs []downlink
		if c != nil && int64(len(c.messages)) > cursor {
			msgs = append(msgs, c.messages[cursor:]...)
		}
		changed := f.changed
		f.mu.Unlock()
		if len(msgs) > 0 || time.Now().After(deadline) {
			next := cursor
			if len(msgs) > 0 {
				next = msgs[len(msgs)-1].Seq
			}
			if c != nil {
				f.mu.Lock()
				c.history = append(c.history, time.Now())
				f.mu.Unlock()
			}
			f.reply(w, 200, pollAnswer{ResultCode: "0", DownlinkMessages: msgs, Cursor: next})
			return
		}
		select {
		case <-changed:
		case <-time.After(time.Until(deadline)):
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fakeCCFlow) rate(w http.ResponseWriter, r *http.Request) {
	var req map[string]string
	f.decode(r, &req)
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.bump()
	c := f.convs[req["userId"]]
	if c == nil || c.phase != "SATISFACTION" || req["evaluation"] != "5" {
		f.reply(w, 200, map[string]string{"resultCode": "13", "resultDesc": "The callIdString obtained failed!"})
		return
	}
	c.phase = "CLOSED"
	c.closed = time.Now()
	c.history = append(c.history, c.closed)
	f.say(c, sourceSystem, textsClosed[0])
	f.reply(w, 200, map[string]string{"resultCode": "0", "returnCode": "0", "resultDesc": "Save satisfaction success!"})
}

func (f *fakeCCFlow) admin(w http.ResponseWriter, r *http.Request) {
	if f.noAdmin {
		f.reply(w, 404, map[string]string{"code": "404", "message": "Not Found"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer admin-key-of-the-fake" {
		f.reply(w, 401, map[string]string{"code": "unauthorized", "message": "bad admin key"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == http.MethodPost {
		var req createAgentRequest
		f.decode(r, &req)
		if req.TenantID != "demo" || len(req.SkillGroups) != 1 || req.SkillGroups[0] != 11 || req.Capacity != 3 {
			f.reply(w, 400, map[string]string{"code": "bad", "message": "unexpected agent"})
			return
		}
		f.nextID++
		id := f.nextID
		now := time.Now()
		f.agents[req.Username] = &fakeAgent{id: strconv.Itoa(id), username: req.Username, password: req.Password, capacity: req.Capacity,
			created: now, history: []time.Time{now}}
		// A numeric id, as a database key would be.
		f.reply(w, 201, map[string]any{"id": id, "username": req.Username})
		return
	}
	f.deleted = append(f.deleted, strings.TrimPrefix(r.URL.Path, adminAgentsPath+"/"))
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeCCFlow) agentAPI(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, agentAPI)
	if p == "/login" {
		var req map[string]string
		f.decode(r, &req)
		f.mu.Lock()
		a := f.agents[req["username"]]
		f.mu.Unlock()
		if a == nil || a.password != req["password"] {
			f.reply(w, 401, map[string]string{"code": "unauthorized", "message": "bad login"})
			return
		}
		f.reply(w, 200, map[string]any{"token": "agent:" + a.username, "agent": map[string]any{"id": a.id}})
		return
	}
	f.mu.Lock()
	a := f.agents[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer agent:")]
	f.mu.Unlock()
	if a == nil {
		f.reply(w, 401, map[string]string{"code": "unauthorized", "message": "no token"})
		return
	}
	switch {
	case p == "/status":
		var req map[string]string
		f.decode(r, &req)
		f.mu.Lock()
		a.ready = req["status"] == agentReady
		if req["status"] == agentOffline {
			f.offline = append(f.offline, a.username)
		}
		f.assign()
		f.bump()
		f.mu.Unlock()
		f.reply(w, 200, map[string]any{"status": req["status"]})
	case p == "/events":
		f.events(w, r, a)
	case strings.HasSuffix(p, "/messages"):
		var req map[string]string
		f.decode(r, &req)
		f.mu.Lock()
		c := f.byID(strings.Split(p, "/")[2])
		if f.dropReply == "" || !strings.HasPrefix(req["content"], f.dropReply) {
			f.say(c, sourceAgent, req["content"])
		}
		f.bump()
		f.mu.Unlock()
		f.reply(w, 200, map[string]any{"message": map[string]string{"content": req["content"]}})
	case strings.HasSuffix(p, "/close"):
		f.mu.Lock()
		f.end(f.byID(strings.Split(p, "/")[2]))
		f.bump()
		f.mu.Unlock()
		f.reply(w, 200, map[string]string{})
	default:
		f.reply(w, 404, map[string]string{"code": "404", "message": "Not Found"})
	}
}

func (f *fakeCCFlow) byID(id string) *fakeConv {
	for _, c := range f.convs {
		if c.id == id {
			return c
		}
	}
	f.t.Errorf("fake ccflow: no conversation %s", id)
	return &fakeConv{}
}

func (f *fakeCCFlow) events(w http.ResponseWriter, r *http.Request, a *fakeAgent) {
	cursor, _ := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64)
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		f.mu.Lock()
		var evs []agentEvent
		if int64(len(a.events)) > cursor {
			evs = append(evs, a.events[cursor:]...)
		}
		changed := f.changed
		f.mu.Unlock()
		if len(evs) > 0 || time.Now().After(deadline) {
			next := cursor
			if len(evs) > 0 {
				next = evs[len(evs)-1].Seq
			}
			f.reply(w, 200, map[string]any{"events": evs, "cursor": next})
			return
		}
		select {
		case <-changed:
		case <-time.After(time.Until(deadline)):
		case <-r.Context().Done():
			return
		}
	}
}
