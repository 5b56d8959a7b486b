package integration

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// crossReplicaWake bounds how long a long-poll (wait=10) on one replica may
// take to see a message written through the other: generous, it fails only
// when the replicas do not wake each other and the poll sleeps out its wait.
const crossReplicaWake = 3 * time.Second

// timedPoll is a long-poll running in the background and when it answered.
type timedPoll[T any] struct {
	done chan struct{}
	at   time.Time
	got  T
	err  error
}

func background[T any](f func() (T, error)) *timedPoll[T] {
	p := &timedPoll[T]{done: make(chan struct{})}
	go func() {
		p.got, p.err = f()
		p.at = time.Now()
		close(p.done)
	}()
	return p
}

func (p *timedPoll[T]) wait(t testing.TB) T {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatal("long-poll did not answer within a minute")
	}
	require.NoError(t, p.err)
	return p.got
}

// scaledOut is Temporal, a worker and two `ccflow server` replicas on MariaDB.
type scaledOut struct {
	temporal, worker, a, b *proc
	urlA, urlB             string
	portA                  int
	shared                 func(httpPort int) map[string]string
	db                     *gorm.DB
}

func startScaledOut(t *testing.T) *scaledOut {
	t.Helper()
	dsn := modelstest.MySQLDSN(t)
	temporalNode := newNode(t)
	c := &scaledOut{}
	c.temporal = start(t, with(temporalNode.env(), "CCFLOW_UI_PORT", "0"), "temporal")
	eventually(t, 2*time.Minute, "temporal role serves", func() error {
		if !strings.Contains(c.temporal.output(), "Temporal frontend on") {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	c.shared = func(httpPort int) map[string]string {
		return map[string]string{
			"CCFLOW_HTTP_ADDR":        "127.0.0.1:" + strconv.Itoa(httpPort),
			"CCFLOW_TEMPORAL_ADDRESS": temporalNode.temporal(),
			"CCFLOW_DB_DRIVER":        "mysql",
			"CCFLOW_DB_DSN":           dsn,
			"CCFLOW_DATA_DIR":         t.TempDir(),
		}
	}
	migrate := start(t, with(c.shared(freePort(t)), "CCFLOW_DEMO", "true"), "migrate")
	require.Equal(t, 0, migrate.exit(time.Minute), migrate.output())
	workerPort, portB := freePort(t), freePort(t)
	c.portA = freePort(t)
	c.worker = start(t, c.shared(workerPort), "worker")
	c.a = start(t, c.shared(c.portA), "server")
	c.b = start(t, c.shared(portB), "server")
	c.urlA, c.urlB = "http://127.0.0.1:"+strconv.Itoa(c.portA), "http://127.0.0.1:"+strconv.Itoa(portB)
	waitReady(t, c.worker, "http://127.0.0.1:"+strconv.Itoa(workerPort))
	waitReady(t, c.a, c.urlA)
	waitReady(t, c.b, c.urlB)
	db, err := models.Open(context.Background(), "mysql", dsn)
	require.NoError(t, err)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	c.db = db
	return c
}

// stop shuts down what still runs, cleanly.
func (c *scaledOut) stop() {
	for _, p := range []*proc{c.a, c.b, c.worker, c.temporal} {
		select {
		case <-p.done:
		default:
			p.terminate()
		}
	}
}

// TestMessagesCrossAPIReplicas runs Temporal, a worker and two `ccflow
// server` replicas A and B on MariaDB. A visitor sends through A and
// long-polls on B, an agent answers through B while the visitor long-polls
// on A (and the other way round): every message arrives once, in order, and
// a long-poll on the other replica wakes well before its wait ends. Then A is
// SIGKILLed right after it acknowledged a line of each side, and the
// conversation carries on through B; A comes back and is SIGKILLed again
// with a visitor's and an agent's long-poll waiting on it: nothing is lost
// or repeated.
func TestMessagesCrossAPIReplicas(t *testing.T) {
	c := startScaledOut(t)
	urlA, urlB, db := c.urlA, c.urlB, c.db

	// One visitor, one agent, each with a client on either replica.
	onA := newVisitor(t, urlA, "replica-visitor")
	onB := &visitor{t: t, base: urlB, id: onA.id, access: onA.access, session: onA.session}
	agB := loginAgent(t, urlB, "agent1", "agent1-pass")
	agA := &agent{t: t, base: urlA, id: agB.id, token: agB.token}
	agB.setStatus("READY")

	// received is what the visitor's cursor-less polls handed out, on either replica.
	var received []mpDownlink
	take := func(ms []mpDownlink) []mpDownlink {
		received = append(received, ms...)
		return ms
	}
	drain := func(v *visitor) {
		take(mustPoll(t, v, "wait=0").DownlinkMessages)
	}
	longPoll := func(v *visitor, wait int) *timedPoll[[]mpDownlink] {
		return background(func() ([]mpDownlink, error) {
			ans, err := mpPoll(context.Background(), v, "wait="+strconv.Itoa(wait))
			return ans.DownlinkMessages, err
		})
	}
	require.Equal(t, "0", mpSend(onA, "CONNECT", "", "").answer.ResultCode)
	drain(onB)
	require.NotEmpty(t, received, "the greeting, written with the CONNECT")
	require.Equal(t, greeting, received[0].Content)

	// The robot answers on the worker; a long-poll on B, the send through A.
	robotPoll := longPoll(onB, 10)
	time.Sleep(time.Second)
	require.True(t, mpSend(onA, "CHAT", "版本", "replica-q1").acknowledged())
	got := take(robotPoll.wait(t))
	require.NotEmpty(t, got, "the robot's answer woke the long-poll on B")
	require.Equal(t, "ROBOT", got[0].SourceType)
	require.True(t, strings.HasPrefix(got[0].Content, versionAnswer), got[0].Content)

	// The transfer through A; the assignment reaches the agent's feed on B.
	require.True(t, mpSend(onA, "TRANS2AGENT", "", "replica-t").acknowledged())
	convID := agB.waitAssigned(onA.id)
	eventually(t, 30*time.Second, "the agent's arrival reaches the visitor", func() error {
		drain(onA)
		for _, m := range received {
			if m.Content == "已接通座席。" {
				return nil
			}
		}
		return errNotYet
	})

	var sent, said []string // the visitor's and the agent's lines, in order
	var seen []string       // customer lines the agent's feed brought
	cursor := agB.cursor    // the agent's feed cursor, on either replica
	takeEvents := func(evs []agentEvent) bool {
		found := false
		for _, e := range evs {
			if e.Type == "message" && e.Message != nil && e.ConversationID == convID && e.Message.SenderType == "CUSTOMER" {
				seen = append(seen, e.Message.Content)
				found = true
			}
		}
		return found
	}
	feedPoll := func(a *agent, wait int) *timedPoll[[]agentEvent] {
		from := cursor
		return background(func() ([]agentEvent, error) {
			evs, cur, err := mpAgentEvents(context.Background(), a, from, wait)
			if err == nil {
				cursor = cur
			}
			return evs, err
		})
	}
	agentSay := func(a *agent, line, key string) {
		t.Helper()
		status, body, err := mpAgentSay(a, convID, line, key)
		require.NoError(t, err)
		require.Equal(t, 200, status, body)
		said = append(said, line)
	}
	visitorSay := func(v *visitor, line, key string) {
		t.Helper()
		r := mpSend(v, "CHAT", line, key)
		require.True(t, r.acknowledged(), "%s", r)
		sent = append(sent, line)
	}

	for i := range 6 {
		// The visitor writes through one replica, the agent's feed waits on the other.
		vSend, aFeed, aSay, vPoll := onA, agB, agB, onA
		if i%2 == 1 {
			vSend, aFeed, aSay, vPoll = onB, agA, agA, onB
		}
		takeEvents(feedPoll(aFeed, 0).wait(t))
		feed := feedPoll(aFeed, 10)
		time.Sleep(time.Second)
		visitorSay(vSend, fmt.Sprintf("visitor line %d via %s", i, vSend.base), fmt.Sprintf("replica-v%d", i))
		acked := time.Now()
		evs := feed.wait(t)
		require.True(t, takeEvents(evs), "the agent's long-poll on the other replica brought the message: %+v", evs)
		require.Less(t, feed.at.Sub(acked), crossReplicaWake, "the agent's long-poll on the other replica woke at once, not at the end of its wait")
		t.Logf("visitor line %d: the agent's long-poll on the other replica answered %s after the send's answer", i, feed.at.Sub(acked).Round(time.Millisecond))

		// The agent writes through one replica, the visitor waits on the other.
		drain(vPoll)
		poll := longPoll(vPoll, 10)
		time.Sleep(time.Second)
		reply := fmt.Sprintf("agent line %d via %s", i, aSay.base)
		agentSay(aSay, reply, fmt.Sprintf("replica-a%d", i))
		acked = time.Now()
		got := take(poll.wait(t))
		require.NotEmpty(t, got, "the visitor's long-poll on the other replica brought the reply")
		require.Equal(t, reply, got[len(got)-1].Content)
		require.Less(t, poll.at.Sub(acked), crossReplicaWake, "the visitor's long-poll on the other replica woke at once, not at the end of its wait")
		t.Logf("agent line %d: the visitor's long-poll on the other replica answered %s after the send's answer", i, poll.at.Sub(acked).Round(time.Millisecond))
	}

	// A acknowledges a line of each side, nobody reads them, and A is SIGKILLed.
	takeEvents(feedPoll(agB, 0).wait(t))
	drain(onB)
	visitorSay(onA, "acknowledged by A before it died", "replica-before-v")
	agentSay(agA, "acknowledged by A before it died", "replica-before-a")
	c.a.kill()

	// The conversation carries on through B: nothing lost.
	agentSay(agB, "through B after A died", "replica-after-a")
	for i := range 3 {
		visitorSay(onB, fmt.Sprintf("through B after A died %d", i), fmt.Sprintf("replica-after-v%d", i))
	}
	eventually(t, 30*time.Second, "the visitor gets, through B, what A acknowledged and what came after", func() error {
		drain(onB)
		if received[len(received)-1].Content != "through B after A died" {
			return errNotYet
		}
		return nil
	})
	eventually(t, 30*time.Second, "the agent's feed on B brings every visitor line", func() error {
		takeEvents(feedPoll(agB, 2).wait(t))
		if len(seen) < len(sent) {
			return fmt.Errorf("%d of %d lines", len(seen), len(sent))
		}
		return nil
	})

	// A comes back; it dies again while a visitor's and an agent's long-poll
	// wait on it; those never answered, so they delivered nothing.
	c.a = start(t, c.shared(c.portA), "server")
	waitReady(t, c.a, urlA)
	takeEvents(feedPoll(agA, 0).wait(t))
	drain(onA)
	pollOnA, feedOnA := longPoll(onA, 20), feedPoll(agA, 20)
	time.Sleep(time.Second)
	c.a.kill()
	<-pollOnA.done
	<-feedOnA.done
	require.Error(t, pollOnA.err, "the visitor's long-poll died with A, unanswered")
	require.Error(t, feedOnA.err, "the agent's long-poll died with A, unanswered")
	agentSay(agB, "the last line", "replica-last-a")
	visitorSay(onB, "the last line", "replica-last-v")
	eventually(t, 30*time.Second, "the visitor gets the last line through B", func() error {
		drain(onB)
		if received[len(received)-1].Content != "the last line" {
			return errNotYet
		}
		return nil
	})
	eventually(t, 30*time.Second, "the agent's feed on B brings the last line", func() error {
		takeEvents(feedPoll(agB, 2).wait(t))
		if len(seen) < len(sent) {
			return fmt.Errorf("%d of %d lines", len(seen), len(sent))
		}
		return nil
	})

	// Once each, in order, everywhere.
	require.Equal(t, sent, seen, "the agent's feed brought every visitor line once, in order")
	require.Equal(t, append([]string{"版本"}, sent...), customerChats(agentMessages(t, agB, convID)),
		"the agent's view holds every visitor line once, in order")
	var agentLines []string
	for _, m := range received {
		if m.SourceType == "AGENT" {
			agentLines = append(agentLines, m.Content)
		}
	}
	require.Equal(t, said, agentLines, "the visitor got every agent line once, in order")
	requireOnceInOrder(t, received, allDownlinks(t, onB))
	conv := conversationRow(t, db, onA.id)
	require.Equal(t, convID, conv.ID)
	require.Equal(t, received[len(received)-1].Seq, conv.DeliveredSeq, "the delivery mark is where the polls stopped")

	c.stop()
}
