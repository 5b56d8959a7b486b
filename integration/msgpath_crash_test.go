package integration

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// TestSIGKILLMidBurstKeepsAcknowledgedSends has many visitors send CHATs
// with messageCodes, one at a time each, while the all-in-one is SIGKILLed
// in the middle of the burst. After a restart on the same data: every send
// that was acknowledged is in the log exactly once and in the visitor's
// order, and the client's retry of the send the kill left unanswered (same
// messageCode), then the rest of its sends, are each applied once: the log
// holds every message exactly once, in order, whether or not the write
// happened before the kill.
func TestSIGKILLMidBurstKeepsAcknowledgedSends(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	var p2 *proc
	sigkillBurst(t, burstSetup{
		before: n.url(), after: n.url(),
		kill: p.kill,
		recover: func() *gorm.DB {
			p2 = start(t, n.env())
			waitReady(t, p2, n.url())
			return openAppDB(t, n.dataDir)
		},
	})
	p2.terminate()
}

// TestSIGKILLMidBurstOnReplicas is the same burst on MariaDB: the visitors
// send through `ccflow server` A, and A and the worker are SIGKILLed
// together mid-burst; the clients retry through replica B, and a new worker
// takes over the conversations.
func TestSIGKILLMidBurstOnReplicas(t *testing.T) {
	c := startScaledOut(t)
	sigkillBurst(t, burstSetup{
		before: c.urlA, after: c.urlB,
		kill: func() {
			c.a.kill()
			c.worker.kill()
		},
		recover: func() *gorm.DB {
			port := freePort(t)
			c.worker = start(t, c.shared(port), "worker")
			waitReady(t, c.worker, "http://127.0.0.1:"+strconv.Itoa(port))
			return c.db
		},
	})
	c.stop()
}

// burstSetup says where visitors send before and after the kill, what the
// kill is, and how the system comes back (returning the database to check).
type burstSetup struct {
	before, after string
	kill          func()
	recover       func() *gorm.DB
}

func sigkillBurst(t *testing.T, s burstSetup) {
	const (
		visitors   = 12
		perVisitor = 30
		killAfter  = visitors * perVisitor / 3 // acknowledged sends before the kill
	)
	// Half the visitors talk to the robot (each send also tells the
	// workflow), half wait in the queue (each send is only a log write).
	vs := make([]*visitor, visitors)
	for i := range vs {
		vs[i] = newVisitor(t, s.before, fmt.Sprintf("kill-burst-%02d", i))
		require.Equal(t, "0", vs[i].send("CONNECT", "").ResultCode)
		if i%2 == 1 {
			require.Equal(t, "0", vs[i].send("TRANS2AGENT", "").ResultCode)
		}
	}
	content := func(v *visitor, i int) string { return fmt.Sprintf("%s message %02d", v.id, i) }
	key := func(v *visitor, i int) string { return fmt.Sprintf("%s-code-%02d", v.id, i) }

	// The burst: each visitor sends until the kill cuts a send off.
	var acked atomic.Int64
	ackedBy := make([][]int, visitors)       // indexes acknowledged before the kill
	cutAt := make([]int, visitors)           // the send the kill left unanswered
	cutHow := make([]mpSendResult, visitors) // and what the client saw
	var wg sync.WaitGroup
	for vi, v := range vs {
		cutAt[vi] = perVisitor
		wg.Go(func() {
			for i := range perVisitor {
				r := mpSend(v, "CHAT", content(v, i), key(v, i))
				if !r.acknowledged() {
					cutAt[vi], cutHow[vi] = i, r
					return
				}
				ackedBy[vi] = append(ackedBy[vi], i)
				acked.Add(1)
			}
		})
	}
	eventually(t, 2*time.Minute, "sends acknowledged before the kill", func() error {
		if got := acked.Load(); got < killAfter {
			return fmt.Errorf("%d acknowledged", got)
		}
		return nil
	})
	s.kill()
	wg.Wait()
	ackedBefore := acked.Load()
	cut := 0
	for vi := range vs {
		if cutAt[vi] < perVisitor {
			cut++
			t.Logf("%s: %d acknowledged, send %d cut off: %s", vs[vi].id, len(ackedBy[vi]), cutAt[vi], cutHow[vi])
			require.Error(t, cutHow[vi].err, "only the kill stops a send: %s", cutHow[vi])
		}
	}
	t.Logf("SIGKILL after %d acknowledged sends; %d visitors cut off mid-send", ackedBefore, cut)
	require.Less(t, ackedBefore, int64(visitors*perVisitor), "the kill came mid-burst")

	db := s.recover()
	for _, v := range vs {
		v.base = s.after
	}

	// Every acknowledged send survived the kill, once, in order.
	writtenUnanswered := 0
	for vi, v := range vs {
		conv := conversationRow(t, db, v.id)
		var got []string
		for _, r := range conversationRecords(t, db, conv.ID) {
			if r.SenderType == "CUSTOMER" && r.ControlType == "CHAT" {
				got = append(got, r.Content)
			}
		}
		var want []string
		for _, i := range ackedBy[vi] {
			want = append(want, content(v, i))
		}
		require.GreaterOrEqual(t, len(got), len(want), "%s: acknowledged sends kept", v.id)
		require.Equal(t, want, got[:len(want)], "%s: acknowledged sends kept once, in order", v.id)
		// At most the cut-off send may have been written without its answer.
		require.LessOrEqual(t, len(got), len(want)+1, "%s: records %q", v.id, got)
		if len(got) == len(want)+1 {
			require.Equal(t, content(v, cutAt[vi]), got[len(want)], "%s: only the unanswered send may be there too", v.id)
			writtenUnanswered++
		}
	}
	t.Logf("%d of the cut-off sends were written before the kill, without their answer", writtenUnanswered)

	// The client retries what was not answered with the same messageCode and
	// goes on: every send answers success and is applied once.
	for vi, v := range vs {
		wg.Go(func() {
			for i := cutAt[vi]; i < perVisitor; i++ {
				r := mpSend(v, "CHAT", content(v, i), key(v, i))
				if !r.acknowledged() {
					cutHow[vi] = r
					return
				}
			}
			cutHow[vi] = mpSendResult{status: http.StatusOK}
		})
	}
	wg.Wait()
	for vi, v := range vs {
		require.True(t, cutHow[vi].err == nil && cutHow[vi].status == http.StatusOK, "%s: sends after the restart: %s", v.id, cutHow[vi])
	}

	ag := loginAgent(t, s.after, "agent1", "agent1-pass")
	for _, v := range vs {
		var want, wantKeys []string
		for i := range perVisitor {
			want = append(want, content(v, i))
			wantKeys = append(wantKeys, key(v, i))
		}
		conv := conversationRow(t, db, v.id)

		// The log itself: each messageCode once, in order.
		var got, keys []string
		for _, r := range conversationRecords(t, db, conv.ID) {
			if r.SenderType == "CUSTOMER" && r.ControlType == "CHAT" {
				got = append(got, r.Content)
				require.NotNil(t, r.ClientKey)
				keys = append(keys, *r.ClientKey)
			}
		}
		require.Equal(t, want, got, "%s: every send once, in order", v.id)
		require.Equal(t, wantKeys, keys, "%s: each under its messageCode", v.id)

		// The agent's view of the conversation.
		require.Equal(t, want, customerChats(agentMessages(t, ag, conv.ID)), "%s: the agent sees every message once, in order", v.id)

		// The visitor's chat records (spec 004).
		var recorded []string
		for _, r := range memberRecords(t, v) {
			if c, ok := strings.CutPrefix(r, "RC:TxtMsg "); ok && strings.HasPrefix(c, v.id+" message ") {
				recorded = append(recorded, c)
			}
		}
		slices.Sort(recorded)
		require.Equal(t, want, recorded, "%s: chat records hold every message once", v.id)

		// Downlink messages (the robot's answers, notices) carry no repeats either.
		down := allDownlinks(t, v)
		for i := 1; i < len(down); i++ {
			require.Greater(t, down[i].Seq, down[i-1].Seq, "%s: downlink seqs strictly increase", v.id)
		}
	}
}
