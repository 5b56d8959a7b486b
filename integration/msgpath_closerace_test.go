package integration

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/workflows/conversation"
)

// raceSend is one send made while the agent closed, as its client saw it.
type raceSend struct {
	content      string
	began, ended time.Time
	customer     bool
	result       mpSendResult // a visitor's send
	status       int          // an agent's send
	body         string
	err          error
}

// TestAgentCloseRacesVisitorSends has visitors (several senders each) and
// their agent keep writing while the agent closes the conversations, on the
// all-in-one (SQLite). After the close no visitor CHAT and no agent line
// comes after the rating notice in the log; every send that answered success
// is in the log once and every refused one is not; sends that begin after
// the close answered are refused: 13 "sendUserMessage failed" for the
// visitor, 403 for the agent.
func TestAgentCloseRacesVisitorSends(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	closeRace(t, n.url(), n.url(), openAppDB(t, n.dataDir))
	p.terminate()
}

// TestAgentCloseRacesVisitorSendsOnMySQL is the same race on MariaDB, where
// the conversation row's lock is a row lock: the visitors send through one
// `ccflow server` replica, the agent writes and closes through another.
func TestAgentCloseRacesVisitorSendsOnMySQL(t *testing.T) {
	c := startScaledOut(t)
	closeRace(t, c.urlA, c.urlB, c.db)
	c.stop()
}

// closeRace runs the race: visitors on visitorURL, the agent on agentURL.
func closeRace(t *testing.T, visitorURL, agentURL string, db *gorm.DB) {
	const (
		rounds    = 2
		perRound  = 3 // agent1's capacity
		senders   = 3 // concurrent senders per visitor
		beforeEnd = 8 // acknowledged visitor sends per conversation before the close
	)
	ag := loginAgent(t, agentURL, "agent1", "agent1-pass")
	ag.setStatus("READY")
	rateAsk := conversation.Text("zh", "rate-ask")

	for round := range rounds {
		vs := make([]*visitor, perRound)
		convs := make([]string, perRound)
		for i := range vs {
			vs[i] = newVisitor(t, visitorURL, fmt.Sprintf("close-race-%d-%d", round, i))
			require.Equal(t, "0", vs[i].send("CONNECT", "").ResultCode)
			require.Equal(t, "0", vs[i].send("TRANS2AGENT", "").ResultCode)
			convs[i] = ag.waitAssigned(vs[i].id)
		}

		var wg sync.WaitGroup
		for i, v := range vs {
			var (
				mu       sync.Mutex
				sends    []raceSend
				acked    atomic.Int64
				closedAt atomic.Pointer[time.Time] // when the close answered
				closeRes rawAnswer
			)
			record := func(s raceSend) {
				mu.Lock()
				sends = append(sends, s)
				mu.Unlock()
			}
			// refusedAfter counts a sender's refusals that began after the close answered.
			giveUp := time.Now().Add(2 * time.Minute)
			keepGoing := func(refusedAfter *int, s raceSend, ok bool) bool {
				if c := closedAt.Load(); c != nil && s.began.After(*c) && !ok {
					*refusedAfter++
				}
				return *refusedAfter < 3 && time.Now().Before(giveUp)
			}
			var senderWG sync.WaitGroup
			for k := range senders {
				senderWG.Go(func() {
					refused := 0
					for j := 0; ; j++ {
						s := raceSend{content: fmt.Sprintf("%s sender %d line %d", v.id, k, j), customer: true, began: time.Now()}
						s.result = mpSend(v, "CHAT", s.content, fmt.Sprintf("%d-%d-%d-%d", round, i, k, j))
						s.ended = time.Now()
						record(s)
						if s.result.acknowledged() {
							acked.Add(1)
						}
						if s.result.err != nil || s.result.status != http.StatusOK || !keepGoing(&refused, s, s.result.acknowledged()) {
							return
						}
					}
				})
			}
			senderWG.Go(func() {
				refused := 0
				for j := 0; ; j++ {
					s := raceSend{content: fmt.Sprintf("agent line %d to %s", j, v.id), began: time.Now()}
					s.status, s.body, s.err = mpAgentSay(ag, convs[i], s.content, fmt.Sprintf("close-race-%d-%d-%d", round, i, j))
					s.ended = time.Now()
					record(s)
					if s.err != nil || !keepGoing(&refused, s, s.status == http.StatusOK) {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
			wg.Go(func() {
				deadline := time.Now().Add(time.Minute)
				for acked.Load() < beforeEnd && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				status, raw, err := mpDo(t.Context(), http.MethodPost, agentURL+"/api/agent/v1/conversations/"+convs[i]+"/close", ag.headers(), nil)
				now := time.Now()
				closeRes = rawAnswer{status: status, body: raw}
				if err != nil {
					closeRes.body = []byte(err.Error())
				}
				closedAt.Store(&now)
				senderWG.Wait()
				t.Run(v.id, func(t *testing.T) {
					checkCloseRace(t, db, convs[i], rateAsk, closeRes, now, sends)
				})
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for _, v := range vs {
			// The rating closes the conversation; a send still finds nothing open.
			ans := rawRequest(t, http.MethodPost, visitorURL+pathSatisfaction, v.headers(),
				map[string]any{"userId": v.id, "channelConfigId": demoChannel, "channel": "WEB", "evaluation": "5", "comment": "ok"}).object(t)
			require.Equal(t, "0", str(t, ans, "resultCode"), "%v", ans)
			eventually(t, 30*time.Second, "conversation closed after the rating", func() error {
				if conversationRow(t, db, v.id).Phase != "CLOSED" {
					return errNotYet
				}
				return nil
			})
			r := mpSend(v, "CHAT", "after the rating", "")
			require.Equal(t, sendAnswer{conversation.CodeFailed, conversation.DescUserMessageFailed}, r.answer, "%s", r)
		}
	}
}

// checkCloseRace checks one conversation's log against what its clients saw.
func checkCloseRace(t *testing.T, db *gorm.DB, convID, rateAsk string, closeRes rawAnswer, closedAt time.Time, sends []raceSend) {
	t.Helper()
	require.Equal(t, http.StatusOK, closeRes.status, "the close: %s", closeRes.body)
	rows := conversationRecords(t, db, convID)
	askSeq := int64(-1)
	at := map[string][]int64{} // content → seqs
	for _, r := range rows {
		if r.SenderType == "SYSTEM" && r.Content == rateAsk {
			require.Equal(t, int64(-1), askSeq, "one rating notice")
			askSeq = r.Seq
		}
		if r.Content != "" {
			at[r.Content] = append(at[r.Content], r.Seq)
		}
	}
	require.Positive(t, askSeq, "the close wrote the rating notice")
	for _, r := range rows {
		if r.Seq > askSeq {
			require.False(t, r.SenderType == "CUSTOMER" && r.ControlType == "CHAT", "a visitor CHAT after the rating notice: %+v", r)
			require.NotEqual(t, "AGENT", r.SenderType, "an agent line after the rating notice: %+v", r)
		}
	}

	var accepted, refused, refusedBeforeAnswer, agentAccepted, agentRefused int
	for _, s := range sends {
		after := s.began.After(closedAt)
		if s.customer {
			r := s.result
			require.NoError(t, r.err, "%s", s.content)
			require.Equal(t, http.StatusOK, r.status, "%s: %s", s.content, r)
			if r.acknowledged() {
				accepted++
				require.Len(t, at[s.content], 1, "%s answered success: in the log once", s.content)
				require.Less(t, at[s.content][0], askSeq, "%s answered success: before the close", s.content)
				require.False(t, after, "%s began after the close answered and was accepted", s.content)
				continue
			}
			refused++
			if s.ended.Before(closedAt) {
				refusedBeforeAnswer++
			}
			require.Equal(t, sendAnswer{conversation.CodeFailed, conversation.DescUserMessageFailed}, r.answer, "%s", s.content)
			require.Empty(t, at[s.content], "%s was refused: nothing written", s.content)
			continue
		}
		require.NoError(t, s.err, "%s", s.content)
		if s.status == http.StatusOK {
			agentAccepted++
			require.Len(t, at[s.content], 1, "%s answered success: in the log once", s.content)
			require.Less(t, at[s.content][0], askSeq, "%s answered success: before the close", s.content)
			require.False(t, after, "%s began after the close answered and was accepted", s.content)
			continue
		}
		agentRefused++
		require.Equal(t, http.StatusForbidden, s.status, "%s: %s", s.content, s.body)
		require.Empty(t, at[s.content], "%s was refused: nothing written", s.content)
	}
	t.Logf("visitor sends: %d accepted, %d refused (%d of them before the close answered); agent lines: %d accepted, %d refused",
		accepted, refused, refusedBeforeAnswer, agentAccepted, agentRefused)
	require.GreaterOrEqual(t, accepted, 8)
	require.Positive(t, refused)
	require.Positive(t, agentRefused)
}
