package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkClickToCallConnect measures, on a real all-in-one, the time from
// createClickToCall to the visitor's "Call connected" event while agent1
// serves the visitor's conversation and answers each call as soon as its
// event feed says it rings (an agent ready and quick). Each call is then
// dropped and its end awaited outside the timing.
//
//	go test -run '^$' -bench BenchmarkClickToCallConnect -benchtime 30x ./integration/
func BenchmarkClickToCallConnect(b *testing.B) {
	n := newNode(b)
	p := start(b, n.env())
	base := n.url()
	waitReady(b, p, base)
	allowCalls(b, base, adminHeader(b, n), false)

	a := loginAgent(b, base, "agent1", "agent1-pass")
	a.setStatus("READY")
	v := newVisitor(b, base, "bench-caller")
	require.Equal(b, "0", v.send("CONNECT", "").ResultCode)
	require.Equal(b, "0", v.send("TRANS2AGENT", "").ResultCode)
	a.waitAssigned("bench-caller")

	// The agent answers every ringing call from its feed.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		cursor := a.cursor
		for ctx.Err() == nil {
			var feed struct {
				Cursor int64 `json:"cursor"`
				Events []struct {
					Type, Status, CallID string
				} `json:"events"`
			}
			u := base + "/api/agent/v1/events?wait=20&cursor=" + strconv.FormatInt(cursor, 10)
			if agentDo(ctx, http.MethodGet, u, a.headers(), &feed) != nil {
				return
			}
			cursor = feed.Cursor
			for _, e := range feed.Events {
				if e.Type == "call" && e.Status == "RINGING" {
					if agentDo(ctx, http.MethodPost, base+"/api/agent/v1/calls/"+e.CallID+"/accept", a.headers(), nil) != nil {
						return
					}
				}
			}
		}
	}()
	waitEvent := func(id string) {
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			var ev struct {
				EventID string `json:"eventId"`
			}
			require.Equal(b, http.StatusOK, call(b, http.MethodGet, base+"/apiaccess/ccmessaging/v1/getClickToCallEvents?channel=WEB&wait=10", v.headers(), nil, &ev))
			if ev.EventID == id {
				return
			}
		}
		b.Fatalf("no event %s", id)
	}
	b.ResetTimer()
	for range b.N {
		var res struct{ ResultCode string }
		require.Equal(b, http.StatusOK, call(b, http.MethodPost, base+"/apiaccess/ccmessaging/v1/createClickToCall", v.headers(),
			map[string]string{"channel": "WEB", "mediaAbility": "0"}, &res))
		require.Equal(b, "0", res.ResultCode)
		waitEvent("168101")
		b.StopTimer()
		call(b, http.MethodPost, base+"/apiaccess/ccmessaging/v1/dropClickToCall", v.headers(), map[string]string{"channel": "WEB"}, nil)
		waitEvent("168102")
		b.StartTimer()
	}
}

// agentDo is one request of the answering agent's goroutine, which must not
// use the test's require (it may outlive the benchmark by a long-poll).
func agentDo(ctx context.Context, method, url string, headers map[string]string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
