package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPollCutMidWaitDeliversLater cuts cursor-less long-polls (wait=20)
// while they wait: their client disconnects before anything arrives. The
// robot's answer, and later an agent's line, written after the cut, reach
// the next cursor-less poll: a poll whose client left delivered nothing. A
// cursor-less poll that does receive messages is followed by one that gets
// no repeats; over the whole conversation the cursor-less polls hand out
// every downlink message once, in order.
func TestPollCutMidWaitDeliversLater(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	v := newVisitor(t, n.url(), "poll-cut-visitor")

	var received []mpDownlink
	poll := func(wait int) []mpDownlink {
		t.Helper()
		got := mustPoll(t, v, fmt.Sprintf("wait=%d", wait)).DownlinkMessages
		received = append(received, got...)
		return got
	}
	// pollUntil polls cursor-less until a message matches, keeping what came.
	pollUntil := func(what string, match func(mpDownlink) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			for _, m := range poll(5) {
				if match(m) {
					return
				}
			}
		}
		t.Fatalf("no %s among %+v", what, received)
	}
	// cut starts a cursor-less long-poll and disconnects it while it waits,
	// then gives the server a moment to see the client gone.
	cut := func() {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			ans, err := mpPoll(ctx, v, "wait=20")
			if err == nil {
				err = fmt.Errorf("the cut poll answered: %+v", ans)
			}
			done <- err
		}()
		time.Sleep(time.Second)
		cancel()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.Canceled, "the poll was still waiting when its client left")
		case <-time.After(10 * time.Second):
			t.Fatal("the cut poll did not end")
		}
		time.Sleep(time.Second)
	}

	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	pollUntil("greeting", func(m mpDownlink) bool { return m.Content == greeting })
	require.Empty(t, poll(0), "nothing left after the greeting")

	// The robot answers after a cut poll.
	cut()
	require.Equal(t, "0", v.send("CHAT", "版本").ResultCode)
	pollUntil("robot answer after a cut poll", func(m mpDownlink) bool {
		return m.SourceType == "ROBOT" && strings.HasPrefix(m.Content, versionAnswer)
	})
	require.Empty(t, poll(2), "a poll after the one that got the answer repeats nothing")

	// An agent writes after a cut poll; two cuts in a row change nothing.
	ag := loginAgent(t, n.url(), "agent1", "agent1-pass")
	ag.setStatus("READY")
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	convID := ag.waitAssigned(v.id)
	pollUntil("the agent's arrival", func(m mpDownlink) bool { return m.Content == "已接通座席。" })
	cut()
	cut()
	require.Equal(t, 200, ag.say(convID, "written after a cut poll"))
	pollUntil("the agent's line after two cut polls", func(m mpDownlink) bool {
		return m.SourceType == "AGENT" && m.Content == "written after a cut poll"
	})
	require.Empty(t, poll(2), "a poll after the one that got the line repeats nothing")

	// Several lines: polls that receive them are followed by ones that repeat nothing.
	for i := range 3 {
		require.Equal(t, 200, ag.say(convID, fmt.Sprintf("line %d", i)))
	}
	pollUntil("the last of three lines", func(m mpDownlink) bool { return m.Content == "line 2" })
	require.Empty(t, poll(2), "no repeats")
	require.Empty(t, poll(0), "no repeats")

	requireOnceInOrder(t, received, allDownlinks(t, v))
	p.terminate()
}

// TestCursorlessPollOfClosingClientRepeatsNothing polls cursor-less as curl
// does: one connection per request, closed as soon as the answer is read.
// The client got the answer, so its messages were delivered: the next poll
// must not hand them out again. Each round is a new visitor whose greeting
// (written with the CONNECT) is polled once by the closing client and then
// by a client that keeps its connection; several visitors do this at once,
// as on any busy server, in up to four batches.
func TestCursorlessPollOfClosingClientRepeatsNothing(t *testing.T) {
	const (
		batches  = 4
		parallel = 16
		each     = 20
	)
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	var mu sync.Mutex
	var repeated, failures []string
	polled := 0
	for b := 0; b < batches && len(repeated) == 0; b++ {
		vs := make([]*visitor, parallel*each)
		for i := range vs {
			vs[i] = newVisitor(t, n.url(), fmt.Sprintf("closing-client-%d-%03d", b, i))
		}
		var wg sync.WaitGroup
		for w := range parallel {
			wg.Go(func() {
				for _, v := range vs[w*each : (w+1)*each] {
					if r := mpSend(v, "CONNECT", "", ""); !r.acknowledged() {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("%s: CONNECT %s", v.id, r))
						mu.Unlock()
						continue
					}
					first, err := mpPollWith(closingHTTP, context.Background(), v, "wait=5")
					if err == nil && (len(first.DownlinkMessages) != 1 || first.DownlinkMessages[0].Content != greeting) {
						err = fmt.Errorf("first poll: %+v", first)
					}
					var again mpPollAnswer
					if err == nil {
						again, err = mpPoll(context.Background(), v, "wait=0")
					}
					mu.Lock()
					if err != nil {
						failures = append(failures, fmt.Sprintf("%s: %v", v.id, err))
					} else if len(again.DownlinkMessages) > 0 {
						repeated = append(repeated, fmt.Sprintf("%s: seq %d handed out again", v.id, again.DownlinkMessages[0].Seq))
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		polled += len(vs)
		require.Empty(t, failures)
	}
	require.Empty(t, repeated, "%d of %d greetings, received by a client that then closed its connection, were handed out again",
		len(repeated), polled)
	p.terminate()
}
