package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// runFake runs ccbench against a fake ccflow and returns its output and error.
func runFake(t *testing.T, f *fakeCCFlow, url string, extra ...string) (string, error) {
	t.Helper()
	// A later flag wins: tests that expect losses shorten -grace.
	args := append([]string{"-url", url, "-admin-key", "admin-key-of-the-fake", "-poll-wait", "1s", "-grace", "5s", "-json"}, extra...)
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := run(ctx, args, &stdout, &stderr)
	t.Logf("stderr:\n%s", stderr.String())
	return stdout.String(), err
}

// jsonReport reads the JSON summary that follows the table.
func jsonReport(t *testing.T, out string) report {
	t.Helper()
	i := strings.Index(out, "\n{")
	require.GreaterOrEqual(t, i, 0, "no JSON in:\n%s", out)
	var r report
	require.NoError(t, json.Unmarshal([]byte(out[i:]), &r))
	return r
}

func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestRunCompletesEveryConversation(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	out, err := runFake(t, f, srv.URL, "-visitors", "7", "-messages", "3")
	require.NoError(t, err, out)
	require.Contains(t, out, "result: PASS")
	r := jsonReport(t, out)
	require.Equal(t, 7, r.Conversations.Completed)
	require.Equal(t, 3, r.Config.Agents, "7 visitors at capacity 3")
	require.Equal(t, 3, r.Config.AgentsStarted)
	require.Equal(t, tally{Sent: 21, Received: 21}, r.Messages.VisitorToAgent)
	require.Equal(t, tally{Sent: 21, Received: 21}, r.Messages.AgentToVisitor)
	for _, m := range r.Metrics {
		want := 21
		if strings.HasPrefix(m.Name, "connect") || strings.HasPrefix(m.Name, "queue") || strings.HasPrefix(m.Name, "conversation (") {
			want = 7
		}
		require.Equal(t, want, m.Count, m.Name)
		require.LessOrEqual(t, m.P50Ms, m.P95Ms, m.Name)
		require.LessOrEqual(t, m.P99Ms, m.MaxMs, m.Name)
	}
	var closed int64
	for _, a := range r.Agents {
		closed += a.Closed
	}
	require.Equal(t, int64(7), closed, "agents close every conversation")
	require.Len(t, f.offline, 3, "every agent goes offline at the end")
	require.ElementsMatch(t, []string{"1", "2", "3"}, f.deleted, "every created agent is deleted")
	require.Empty(t, r.Errors)
}

func TestRunCountsLostMessage(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	f.dropReply = "a2v "
	out, err := runFake(t, f, srv.URL, "-visitors", "2", "-messages", "2", "-agents", "1", "-grace", "2s")
	require.Equal(t, exitFailed, exitCodeOf(err), "%v\n%s", err, out)
	require.ErrorContains(t, err, "4 messages lost")
	r := jsonReport(t, out)
	require.Equal(t, 4, r.Messages.AgentToVisitor.Lost)
	require.Equal(t, 2, r.Conversations.Completed, "a lost reply does not stop the conversation:\n%s", out)
	require.Contains(t, out, "result: FAIL")
}

func TestRunVisitorLeavesWhenAgentNeverAnswers(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	f.dropEvent = "v2a "
	out, err := runFake(t, f, srv.URL, "-visitors", "1", "-messages", "1", "-grace", "2s")
	require.Equal(t, exitFailed, exitCodeOf(err), "%v\n%s", err, out)
	require.ErrorContains(t, err, "1 messages lost")
	r := jsonReport(t, out)
	require.Equal(t, 1, r.Conversations.Completed, "the visitor disconnects and still rates:\n%s", out)
	require.Equal(t, 1, r.Messages.VisitorToAgent.Lost)
	require.Equal(t, tally{}, r.Messages.AgentToVisitor)
}

func TestRunCountsDuplicate(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	f.repeatEvent = "v2a "
	out, err := runFake(t, f, srv.URL, "-visitors", "1", "-messages", "3")
	require.Equal(t, exitFailed, exitCodeOf(err), "%v\n%s", err, out)
	r := jsonReport(t, out)
	require.Equal(t, 3, r.Messages.VisitorToAgent.Duplicated)
	require.Equal(t, tally{Sent: 3, Received: 3}, r.Messages.AgentToVisitor, "the agent answers a repeat once")
}

func TestRunWithoutAgentsEndsAtTimeout(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	f.noAdmin = true
	begin := time.Now()
	out, err := runFake(t, f, srv.URL, "-visitors", "3", "-messages", "1", "-timeout", "3s")
	require.Equal(t, exitSetup, exitCodeOf(err), "%v\n%s", err, out)
	require.Less(t, time.Since(begin), 20*time.Second)
	r := jsonReport(t, out)
	require.Equal(t, 3, r.Conversations.CutShort)
	require.Equal(t, map[string]int{"queued": 3}, r.Conversations.CutShortIn)
	require.Equal(t, 3, r.Metrics[0].Count, "connects are measured all the same")
	require.Contains(t, r.AgentSetup, "HTTP 404")
	require.Equal(t, "timed out after 3s", r.Ended)
}

func TestRunWithAgentCreds(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	f.agents["agent1"] = &fakeAgent{id: "a1", username: "agent1", password: "pw", capacity: 3}
	out, err := runFake(t, f, srv.URL, "-admin-key", "", "-agent-creds", "agent1:pw", "-visitors", "4", "-messages", "2")
	require.NoError(t, err, out)
	require.Empty(t, f.deleted, "agents ccbench did not create stay")
}

func TestRunUnreachable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-url", "http://127.0.0.1:1", "-agent-creds", "a:b"}, &stdout, &stderr)
	require.Equal(t, exitSetup, exitCodeOf(err))
	require.ErrorContains(t, err, "not ready")
}

func TestRunReportsServerSideMeasurements(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	ft, addr := newFakeTemporal(t, f)
	// The test process stands in for ccflow's: its CPU is real.
	pid := strconv.Itoa(os.Getpid())
	out, err := runFake(t, f, srv.URL, "-visitors", "4", "-messages", "2", "-temporal", addr, "-server-pid", pid)
	require.NoError(t, err, out)
	r := jsonReport(t, out)

	require.Equal(t, 16, r.ChatPhase.Messages, "4 visitors x 2 messages x 2 ways")
	require.Positive(t, r.ChatPhase.Seconds)
	require.GreaterOrEqual(t, r.ChatPhase.MessagesPerSec, r.Throughput.MessagesPerSec, "the chat phase lies within the run")
	require.Contains(t, out, "chat phase  ")
	require.Contains(t, out, "(whole run: chat messages both ways / wall time)")

	u := r.ServerUsage
	require.Empty(t, u.Unavailable)
	require.Equal(t, []int{os.Getpid()}, u.PIDs)
	require.NotNil(t, u.Run)
	require.NotNil(t, u.Run.CPUSecondsPer1000Messages)
	require.Equal(t, 16, u.Run.Messages)
	require.Positive(t, u.PeakRSSKB)
	require.Contains(t, out, "per 1,000 chat messages")

	h := r.History
	require.Empty(t, h.Unavailable)
	require.Empty(t, h.Fallback)
	require.NotNil(t, h.Conversations)
	require.Equal(t, 4, h.Conversations.Workflows)
	total := 0
	for i := 1; i <= 4; i++ {
		total += f.eventsOf("bench-" + r.Config.RunID + "-v" + strconv.Itoa(i))
	}
	require.Equal(t, total, h.Conversations.Total, "every event of every conversation")
	types := map[string]reportTypeEvents{}
	for _, te := range h.OtherTypes {
		types[te.Type] = te
	}
	require.Equal(t, 2, types["AgentDesk"].Workflows, "the two agents created for the run")
	require.Equal(t, 4, types["Routing"].Events, "four assignments; routing's start before the run does not count")
	require.NotNil(t, h.DuringRun)
	require.Equal(t, total+h.DuringRun.Other, h.DuringRun.Events)
	require.Positive(t, h.EventsPerChatMessage)
	require.Contains(t, out, "events per conversation p50")
	ft.mu.Lock()
	require.Contains(t, ft.queries[0], "CcflowTenant = 'demo' AND StartTime > '")
	ft.mu.Unlock()
}

func TestRunIdleAndBurst(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	_, addr := newFakeTemporal(t, f)
	pid := strconv.Itoa(os.Getpid())
	out, err := runFake(t, f, srv.URL, "-visitors", "5", "-messages", "1", "-burst", "-idle", "2s", "-temporal", addr, "-server-pid", pid)
	require.NoError(t, err, out)
	r := jsonReport(t, out)
	require.True(t, r.Config.Burst)
	require.Equal(t, 5, r.Metrics[0].Count, "CONNECT -> greeting of every visitor")
	require.Contains(t, out, "burst (every CONNECT at once)")

	i := r.Idle
	require.NotNil(t, i)
	require.Empty(t, i.NotReached)
	require.True(t, i.Complete)
	require.Equal(t, 5, i.Visitors)
	require.Equal(t, 30, i.PollWaitSeconds)
	require.InDelta(t, 2.0, i.Seconds, 0.5)
	require.NotNil(t, i.CPU)
	require.Positive(t, i.RSSKB)
	require.NotNil(t, i.History)
	require.Positive(t, i.History.Conversation, "the idle polls that ended in the window")
	require.Contains(t, out, "idle window  ")
	require.Equal(t, 10, r.ChatPhase.Messages)
	require.Less(t, r.ChatPhase.Seconds, 2.0, "the chat phase leaves the idle window out")
}

func TestRunHistoryFallbackAndUnavailable(t *testing.T) {
	f, srv := newFakeCCFlow(t)
	ft, addr := newFakeTemporal(t, f)
	ft.noTenant = true
	out, err := runFake(t, f, srv.URL, "-visitors", "2", "-messages", "1", "-temporal", addr)
	require.NoError(t, err, out)
	r := jsonReport(t, out)
	require.Contains(t, r.History.Fallback, "listed by start time only")
	require.Equal(t, 2, r.History.Conversations.Workflows)
	require.Contains(t, r.ServerUsage.Unavailable, "-server-pid")
	require.Contains(t, out, "server CPU   unavailable")

	f, srv = newFakeCCFlow(t)
	out, err = runFake(t, f, srv.URL, "-visitors", "1", "-messages", "1")
	require.NoError(t, err, out)
	r = jsonReport(t, out)
	require.Contains(t, r.History.Unavailable, "-temporal")
	require.Nil(t, r.History.Conversations, "unavailable, not zero")
	require.Contains(t, out, "history      unavailable (no Temporal frontend known")

	f, srv = newFakeCCFlow(t)
	out, err = runFake(t, f, srv.URL, "-visitors", "1", "-messages", "1", "-temporal", "127.0.0.1:1")
	require.NoError(t, err, "an unreachable Temporal costs the metric, not the run: %s", out)
	r = jsonReport(t, out)
	require.Contains(t, r.History.Unavailable, "cannot reach Temporal")
}

// TestRunReadsFromTheReadReplica: with -read-url every poll and event read
// goes to the second replica and nothing else does, so each message is
// written on one replica and read on the other.
func TestRunReadsFromTheReadReplica(t *testing.T) {
	f, _ := newFakeCCFlow(t)
	var mu sync.Mutex
	seen := map[string][]string{}
	replica := func(name string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			read := r.Method == http.MethodGet && (r.URL.Path == pollPath || r.URL.Path == agentAPI+"/events")
			mu.Lock()
			seen[name] = append(seen[name], strconv.FormatBool(read))
			mu.Unlock()
			f.serve(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	writes, reads := replica("writes"), replica("reads")
	out, err := runFake(t, f, writes.URL, "-read-url", reads.URL, "-visitors", "4", "-messages", "2")
	require.NoError(t, err, out)
	require.Equal(t, 4, jsonReport(t, out).Conversations.Completed)
	mu.Lock()
	defer mu.Unlock()
	require.NotContains(t, seen["writes"], "true", "no read went to -url")
	require.NotEmpty(t, seen["reads"])
	require.NotContains(t, seen["reads"], "false", "only reads went to -read-url")
}
