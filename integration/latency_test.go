package integration

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// BenchmarkSendToPoll measures, on the all-in-one, the time from a visitor's
// CHAT send until the robot's answer comes back through a long-poll, for one
// conversation and for 50 at once, and the history events one chat costs.
//
//	go test -run '^$' -bench SendToPoll -benchtime 200x ./integration/
func BenchmarkSendToPoll(b *testing.B) {
	for _, conversations := range []int{1, 50} {
		b.Run(fmt.Sprintf("conversations=%d", conversations), func(b *testing.B) {
			n := newNode(b)
			p := start(b, with(n.env(), "CCFLOW_LOG_LEVEL", "warn"))
			waitReady(b, p, n.url())
			visitors := make([]*visitor, conversations)
			for i := range visitors {
				visitors[i] = newVisitor(b, n.url(), "bench-"+strconv.Itoa(i))
				visitors[i].send("CONNECT", "")
				visitors[i].longPoll(10) // the greeting
			}
			perVisitor := max(b.N/conversations, 1)
			var mu sync.Mutex
			var lat []time.Duration
			b.ResetTimer()
			var wg sync.WaitGroup
			for _, v := range visitors {
				wg.Go(func() {
					for range perVisitor {
						begin := time.Now()
						v.send("CHAT", "版本")
						for len(v.longPoll(10)) == 0 {
						}
						mu.Lock()
						lat = append(lat, time.Since(begin))
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "chats/s")
			b.ReportMetric(historyEventsPerChat(b, n, visitors[0].id, perVisitor), "events/chat")
			p.terminate()
		})
	}
}

// longPoll is a cursor-less poll that waits up to wait seconds for a message.
func (v *visitor) longPoll(wait int) []downlink {
	var ans pollAnswer
	code := call(v.t, http.MethodGet, v.base+"/apiaccess/ccmessaging/poll?channel=WEB&wait="+strconv.Itoa(wait)+"&receiverId="+v.id,
		v.headers(), nil, &ans)
	require.Equal(v.t, http.StatusOK, code)
	return ans.DownlinkMessages
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// historyEventsPerChat counts the events a conversation wrote over all its
// runs (continue-as-new starts a new one), per chat sent; each chat here is a
// send, a robot answer and a long-poll.
func historyEventsPerChat(b *testing.B, n node, userID string, chats int) float64 {
	c, err := client.Dial(client.Options{HostPort: n.temporal()})
	require.NoError(b, err)
	defer c.Close()
	events := 0
	id := workflowOf(b, openAppDB(b, n.dataDir), demoChannel, userID)
	for runID := ""; ; {
		iter := c.GetWorkflowHistory(context.Background(), id, runID, false,
			enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		previous := ""
		for iter.HasNext() {
			ev, err := iter.Next()
			require.NoError(b, err)
			if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				previous = a.GetContinuedExecutionRunId()
			}
			events++
		}
		if previous == "" {
			break
		}
		runID = previous
	}
	return float64(events) / float64(chats)
}
