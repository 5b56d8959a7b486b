package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// clusterCCflow is ccflow scaled out on a real Temporal cluster: two API
// servers, two workers, one MariaDB of the test's own.
type clusterCCflow struct {
	t        *testing.T
	temporal *temporalCluster
	maria    *ownMariaDB
	dsn      string
	servers  [2]*proc
	workers  [2]*proc
	ports    [2]int
	wports   [2]int
	db       *gorm.DB
}

const clusterAdminKey = "cluster-test-admin-key-0123456789abcdef"

func (c *clusterCCflow) env(port int) map[string]string {
	return map[string]string{
		"CCFLOW_HTTP_ADDR":             "127.0.0.1:" + strconv.Itoa(port),
		"CCFLOW_TEMPORAL_ADDRESS":      c.temporal.address,
		"CCFLOW_DB_DRIVER":             "mysql",
		"CCFLOW_DB_DSN":                c.dsn,
		"CCFLOW_DATA_DIR":              c.t.TempDir(),
		"CCFLOW_ADMIN_KEY":             clusterAdminKey,
		"CCFLOW_WEBHOOK_ALLOW_PRIVATE": "true",
	}
}

func (c *clusterCCflow) url(i int) string { return "http://127.0.0.1:" + strconv.Itoa(c.ports[i]) }

func (c *clusterCCflow) startServer(i int) {
	c.servers[i] = start(c.t, c.env(c.ports[i]), "server")
	waitReady(c.t, c.servers[i], c.url(i))
}

func (c *clusterCCflow) startWorker(i int) {
	c.workers[i] = start(c.t, c.env(c.wports[i]), "worker")
	waitReady(c.t, c.workers[i], "http://127.0.0.1:"+strconv.Itoa(c.wports[i]))
}

// clusterVisitor is one visitor with a client on either server, and what
// they sent and got.
type clusterVisitor struct {
	on       [2]*visitor
	sent     []string     // CHAT lines acknowledged, in order
	received []mpDownlink // what cursor-less polls handed out
	convID   string
	next     int // which server the next call goes through
}

func newClusterVisitor(t *testing.T, c *clusterCCflow, id string) *clusterVisitor {
	a := newVisitor(t, c.url(0), id)
	b := &visitor{t: t, base: c.url(1), id: a.id, access: a.access, session: a.session}
	return &clusterVisitor{on: [2]*visitor{a, b}}
}

// via is the client on the next server, alternating.
func (v *clusterVisitor) via() *visitor {
	out := v.on[v.next%2]
	v.next++
	return out
}

// sendRetrying sends a line with a messageCode, through alternating servers,
// retrying (same messageCode) until it is acknowledged, as a client does;
// it answers the failures it saw.
func (v *clusterVisitor) sendRetrying(t *testing.T, controlType, content, key string, within time.Duration) []mpSendResult {
	t.Helper()
	var failures []mpSendResult
	deadline := time.Now().Add(within)
	for {
		r := mpSend(v.via(), controlType, content, key)
		if r.acknowledged() {
			if controlType == "CHAT" {
				v.sent = append(v.sent, content)
			}
			return failures
		}
		failures = append(failures, r)
		require.True(t, time.Now().Before(deadline), "%s %q never acknowledged; last: %s", controlType, content, r)
		time.Sleep(500 * time.Millisecond)
	}
}

// drain takes what a cursor-less poll on the next server hands out.
func (v *clusterVisitor) drain(t *testing.T) []mpDownlink {
	t.Helper()
	got := mustPoll(t, v.via(), "wait=0").DownlinkMessages
	v.received = append(v.received, got...)
	return got
}

// waitFor drains until a message of source with content arrives.
func (v *clusterVisitor) waitFor(t *testing.T, what, source, prefix string, within time.Duration) {
	t.Helper()
	seen := len(v.received)
	eventually(t, within, what, func() error {
		ans, err := mpPoll(context.Background(), v.via(), "wait=2")
		if err != nil {
			return err
		}
		v.received = append(v.received, ans.DownlinkMessages...)
		for _, m := range v.received[seen:] {
			if m.SourceType == source && strings.HasPrefix(m.Content, prefix) {
				return nil
			}
		}
		return errNotYet
	})
}

// waitCount drains until n messages of source starting with prefix arrived
// in all.
func (v *clusterVisitor) waitCount(t *testing.T, what, source, prefix string, n int, within time.Duration) {
	t.Helper()
	eventually(t, within, what, func() error {
		ans, err := mpPoll(context.Background(), v.via(), "wait=2")
		if err != nil {
			return err
		}
		v.received = append(v.received, ans.DownlinkMessages...)
		got := 0
		for _, m := range v.received {
			if m.SourceType == source && strings.HasPrefix(m.Content, prefix) {
				got++
			}
		}
		if got < n {
			return fmt.Errorf("%d of %d", got, n)
		}
		return nil
	})
}

// queuePosition reads queryQueueInfo through the next server.
func (v *clusterVisitor) queuePosition(t *testing.T) (string, int64) {
	t.Helper()
	w := v.via()
	obj := rawRequest(t, http.MethodPost, w.base+pathQueueInfo, w.headers(),
		map[string]any{"userId": w.id, "channelConfigId": demoChannel, "channel": "WEB"}).object(t)
	code := str(t, obj, "resultCode")
	if code != "0" {
		return code, 0
	}
	return code, integer(t, obj, "position")
}

// TestTemporalClusterScaledOut runs ccflow as it is deployed at scale: a
// Temporal cluster of four processes (frontend, history, matching, worker)
// with four history shards on PostgreSQL, started by
// deploy/temporal-cluster.sh; `ccflow migrate` once; two `ccflow server` and
// two `ccflow worker` processes on a MariaDB. Visitors and an agent talk
// through both servers alternately (a send on one, the poll on the other),
// with a webhook receiver registered. Then, one at a time: a worker is
// SIGKILLed mid-conversation, an API server is SIGKILLed mid-burst (the
// client retries on the other), Temporal's history service is SIGKILLed and
// restarted, and MariaDB is down for 30 s. Every acknowledged message is
// there once and in order in the log, the agent's view, the visitor's polls
// and the webhook's deliveries; queue positions are right; and the test logs
// how long each fault took to recover from (BENCHMARKS.md has the numbers).
func TestTemporalClusterScaledOut(t *testing.T) {
	c := &clusterCCflow{t: t}
	c.temporal = startTemporalCluster(t)
	c.maria = startOwnMariaDB(t)
	c.dsn = c.maria.createDatabase("ccflow_cluster_test")

	migrate := start(t, with(c.env(freePort(t)), "CCFLOW_DEMO", "true"), "migrate")
	require.Equal(t, 0, migrate.exit(2*time.Minute), migrate.output())
	for i := range 2 {
		c.ports[i], c.wports[i] = freePort(t), freePort(t)
	}
	for i := range 2 {
		c.startWorker(i)
		c.startServer(i)
	}
	db, err := models.Open(context.Background(), "mysql", c.dsn)
	require.NoError(t, err)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	c.db = db

	// Both servers and both workers hold the same ccflow: a webhook
	// registered through one server is delivered by whichever worker runs.
	recv := &seqRefuser{refuse: map[string]map[int64]int{}}
	hookSrv := httptest.NewServer(recv)
	t.Cleanup(hookSrv.Close)
	var hook struct {
		ID json.Number `json:"id"`
	}
	require.Equal(t, http.StatusCreated, call(t, http.MethodPost, c.url(0)+"/api/admin/v1/webhooks",
		map[string]string{"Authorization": "Bearer " + clusterAdminKey},
		map[string]any{"tenantId": "demo", "url": hookSrv.URL + "/ccflow-events"}, &hook))

	// Two visitors stay with the robot: CONNECT on one server, the answer
	// read on the other.
	robots := make([]*clusterVisitor, 2)
	for i := range robots {
		robots[i] = newClusterVisitor(t, c, fmt.Sprintf("cluster-robot-%d", i))
		robots[i].sendRetrying(t, "CONNECT", "", "", time.Minute)
		robots[i].waitFor(t, "the greeting", "ROBOT", greeting, time.Minute)
		robots[i].sendRetrying(t, "CHAT", "版本", fmt.Sprintf("robot-%d-q0", i), time.Minute)
		robots[i].waitFor(t, "the robot's answer", "ROBOT", versionAnswer, time.Minute)
	}

	// Four visitors queue for skill group 11 (agent1's, capacity 3) before
	// any agent is ready: positions 1 to 4 in the order they asked, on
	// either server.
	queued := make([]*clusterVisitor, 4)
	for i := range queued {
		queued[i] = newClusterVisitor(t, c, fmt.Sprintf("cluster-queued-%d", i))
		queued[i].sendRetrying(t, "CONNECT", "", "", time.Minute)
		queued[i].sendRetrying(t, "TRANS2AGENT", "", fmt.Sprintf("queued-%d-t", i), time.Minute)
	}
	for i, v := range queued {
		for range 2 { // once through each server
			eventually(t, 30*time.Second, "queue position", func() error {
				code, pos := v.queuePosition(t)
				if code != "0" || pos != int64(i+1) {
					return fmt.Errorf("%s: resultCode %s position %d, want %d", v.on[0].id, code, pos, i+1)
				}
				return nil
			})
		}
	}

	// agent1 logs in on B and goes READY on A: the first three are assigned,
	// the fourth is now first in the queue.
	agB := loginAgent(t, c.url(1), "agent1", "agent1-pass")
	agA := &agent{t: t, base: c.url(0), id: agB.id, token: agB.token, cursor: agB.cursor}
	agents := [2]*agent{agA, agB}
	agA.setStatus("READY")
	assigned := waitAssignedAll(t, agB, queued[0].on[0].id, queued[1].on[0].id, queued[2].on[0].id)
	for _, v := range queued[:3] {
		v.convID = assigned[v.on[0].id]
	}
	agA.cursor = agB.cursor
	eventually(t, 30*time.Second, "the fourth is first in the queue", func() error {
		if code, pos := queued[3].queuePosition(t); code != "0" || pos != 1 {
			return fmt.Errorf("resultCode %s position %d", code, pos)
		}
		return nil
	})
	served := queued[:3]

	said := map[string][]string{} // conversation → the agent's lines, in order
	agentSay := func(v *clusterVisitor, line, key string) {
		t.Helper()
		a := agents[len(said[v.convID])%2]
		for {
			status, body, err := mpAgentSay(a, v.convID, line, key)
			if err == nil && status == http.StatusOK {
				said[v.convID] = append(said[v.convID], line)
				return
			}
			t.Logf("agent's line %q through %s: %d %s %v; retrying on the other server", line, a.base, status, body, err)
			a = agents[(len(said[v.convID])+1)%2]
			time.Sleep(500 * time.Millisecond)
		}
	}
	round := func(tag string) {
		t.Helper()
		for i, v := range served {
			v.sendRetrying(t, "CHAT", fmt.Sprintf("%s visitor %d", tag, i), fmt.Sprintf("%s-v%d", tag, i), time.Minute)
			agentSay(v, fmt.Sprintf("%s agent %d", tag, i), fmt.Sprintf("%s-a%d", tag, i))
			v.drain(t)
		}
	}
	for r := range 3 {
		round(fmt.Sprintf("warm-up %d", r))
	}

	// Fault 1: a worker dies mid-conversation. The robot's answers and
	// routing run on the other worker: agent1 closes a conversation and
	// the queued fourth visitor is assigned to them.
	killed := time.Now()
	c.workers[0].kill()
	round("after worker kill")
	for i, v := range robots {
		v.sendRetrying(t, "CHAT", "版本", fmt.Sprintf("robot-%d-q1", i), time.Minute)
	}
	for _, v := range robots {
		v.waitFor(t, "the robot's answer after a worker died", "ROBOT", versionAnswer, 2*time.Minute)
	}
	robotBack := time.Since(killed)
	code, _ := agA.do(http.MethodPost, "/conversations/"+served[0].convID+"/close", nil)
	require.Equal(t, http.StatusOK, code)
	queued[3].convID = agB.waitAssigned(queued[3].on[0].id)
	agA.cursor = agB.cursor
	t.Logf("fault worker SIGKILL: robot answers on the other worker %s after the kill; close and reassignment done %s after it",
		robotBack.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	served = append(served[1:], queued[3])
	c.startWorker(0)

	// Fault 2: an API server dies mid-burst; the client retries the send
	// it got no answer to on the other server, with the same messageCode.
	burst := served[0]
	var burstFailures []mpSendResult
	var killedAt, firstAfter time.Time
	for i := range 20 {
		if i == 8 {
			killedAt = time.Now()
			c.servers[0].kill()
		}
		burstFailures = append(burstFailures, burst.sendRetrying(t, "CHAT", fmt.Sprintf("burst %02d", i), fmt.Sprintf("burst-%02d", i), time.Minute)...)
		if i >= 8 && firstAfter.IsZero() {
			firstAfter = time.Now()
		}
	}
	t.Logf("fault API server SIGKILL: %d failed attempts retried on the other server; first send acknowledged %s after the kill",
		len(burstFailures), firstAfter.Sub(killedAt).Round(time.Millisecond))
	for _, f := range burstFailures {
		require.Error(t, f.err, "only the dead server fails a send: %s", f)
	}
	c.startServer(0)
	round("after server restart")

	// Fault 3: Temporal's history service dies and is started again.
	c.temporal.kill("history")
	historyKilled := time.Now()
	round("history down")
	robots[0].sendRetrying(t, "CHAT", "版本", "robot-0-q2", time.Minute)
	time.Sleep(5 * time.Second)
	c.temporal.run("start-service", "history")
	restarted := time.Now()
	// The question asked meanwhile is in the log, but its signal failed: the
	// API servers' sweep signals it again once history is back, and the robot
	// answers it with no further word from the visitor.
	robots[0].waitCount(t, "the answer to the question asked while history was down", "ROBOT", versionAnswer, 3, 3*time.Minute)
	swept := time.Since(restarted)
	robots[0].sendRetrying(t, "CHAT", "版本", "robot-0-q3", 3*time.Minute)
	robots[0].waitCount(t, "the robot's answers after history came back", "ROBOT", versionAnswer, 4, 3*time.Minute)
	t.Logf("fault Temporal history SIGKILL: restarted after %s; the question asked meanwhile answered %s after the restart, the next %s after it",
		restarted.Sub(historyKilled).Round(time.Millisecond), swept.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
	round("after history restart")

	// Fault 4: MariaDB is down for 30 s. Sends meanwhile answer 503 with
	// Retry-After, or their connection fails; each is retried until
	// acknowledged and is in the log once.
	c.maria.stop(syscall.SIGKILL)
	down := time.Now()
	outage := served[1]
	var outageFailures []mpSendResult
	for i := 0; time.Since(down) < 30*time.Second; i++ {
		r := mpSend(outage.via(), "CHAT", fmt.Sprintf("during outage %02d", i), fmt.Sprintf("outage-%02d", i))
		require.False(t, r.acknowledged(), "a send acknowledged while the database is down: %s", r)
		outageFailures = append(outageFailures, r)
		time.Sleep(time.Second)
	}
	for _, f := range outageFailures {
		if f.err == nil {
			require.Equal(t, http.StatusServiceUnavailable, f.status, "%s", f)
		}
	}
	resp, err := http.Get(c.url(1) + "/readyz")
	require.NoError(t, err)
	ready := mustReadAll(t, resp)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, ready)
	require.Contains(t, ready, "database")
	c.maria.start()
	back := time.Now()
	outage.sendRetrying(t, "CHAT", "after outage 00", "after-outage-00", 2*time.Minute)
	t.Logf("fault MariaDB down 30 s: %d sends refused meanwhile (HTTP 503 with Retry-After); the first send acknowledged %s after MariaDB was back",
		len(outageFailures), time.Since(back).Round(time.Millisecond))
	robots[1].sendRetrying(t, "CHAT", "版本", "robot-1-q2", time.Minute)
	robots[1].waitFor(t, "the robot's answer after the outage", "ROBOT", versionAnswer, 2*time.Minute)
	round("after outage")

	// Everything, everywhere: once, in order.
	for _, v := range append(append([]*clusterVisitor{}, robots...), queued...) {
		id := v.on[0].id
		v.drain(t)
		requireOnceInOrder(t, v.received, allDownlinks(t, v.on[1]))
		conv := conversationRow(t, db, id)
		var chats []string
		for _, r := range conversationRecords(t, db, conv.ID) {
			if r.SenderType == "CUSTOMER" && r.ControlType == "CHAT" {
				chats = append(chats, r.Content)
			}
		}
		require.Equal(t, v.sent, chats, "%s: every acknowledged line once, in order, in the log", id)
		if v.convID != "" {
			require.Equal(t, v.sent, customerChats(agentMessages(t, agB, v.convID)), "%s: the agent's view", id)
			var got []string
			for _, m := range v.received {
				if m.SourceType == "AGENT" {
					got = append(got, m.Content)
				}
			}
			require.Equal(t, said[v.convID], got, "%s: the agent's lines reached the visitor once, in order", id)
		}
		eventually(t, 2*time.Minute, id+": every message pushed to the webhook", func() error {
			conv = conversationRow(t, db, id)
			if got := len(firstAccepted(recv.of(id))); int64(got) < conv.LastSeq {
				return fmt.Errorf("%d of %d pushed", got, conv.LastSeq)
			}
			return nil
		})
		var codes []string
		for _, r := range conversationRecords(t, db, conv.ID) {
			codes = append(codes, r.MessageCode)
		}
		var ids []string
		for i, e := range firstAccepted(recv.of(id)) {
			require.Equal(t, int64(i+1), e.Seq, "%s: pushed in seq order without a gap", id)
			ids = append(ids, e.EventID)
		}
		require.Equal(t, codes, ids, "%s: the webhook got the log's messages, each once, in order", id)
	}

	for i := range 2 {
		c.servers[i].terminate()
		c.workers[i].terminate()
	}
}

// waitAssignedAll reads the agent's feed until each user was assigned, and
// answers their conversations; one read may bring several assignments.
func waitAssignedAll(t *testing.T, a *agent, userIDs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	deadline := time.Now().Add(time.Minute)
	for len(out) < len(userIDs) {
		require.True(t, time.Now().Before(deadline), "assigned so far: %v of %v", out, userIDs)
		for _, e := range a.events(5) {
			if e.Type == "assigned" && e.Conversation != nil {
				out[e.Conversation.UserID] = e.ConversationID
			}
		}
	}
	for _, id := range userIDs {
		require.NotEmpty(t, out[id], "%s assigned", id)
	}
	return out
}

// mustReadAll reads and closes an answer's body.
func mustReadAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
