package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAnswerErrorEnvelopes(t *testing.T) {
	e := answerError("agent login", 401, []byte(`{"code":"unauthorized","message":"bad password"}`))
	require.Equal(t, "agent login: HTTP 401", e.Kind())
	require.Equal(t, "agent login: HTTP 401 (code unauthorized): bad password", e.Error())
	require.False(t, e.retryable())

	e = answerError("send CHAT", 400, []byte(`{"resultCode":"400","resultDesc":"content is required for CHAT"}`))
	require.Equal(t, "400", e.Code)
	require.Equal(t, "content is required for CHAT", e.Msg)

	e = answerError("poll", 502, []byte("<html>bad gateway</html>"))
	require.Equal(t, "<html>bad gateway</html>", e.Msg)
	require.True(t, e.retryable())

	require.Equal(t, "send TRANS2AGENT: resultCode 12", (&apiError{Op: "send TRANS2AGENT", Status: 200, Code: "12"}).Kind())
	require.Equal(t, "poll: transport", (&apiError{Op: "poll"}).Kind())
}

func TestDoRetryRetriesServerErrorsAndCountsThem(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, err := w.Write([]byte(`{"ok":true}`))
		require.NoError(t, err)
	}))
	defer srv.Close()
	cl := &caller{http: srv.Client(), base: srv.URL, errs: newErrorCounts()}
	var out struct{ OK bool }
	_, err := cl.doRetry(context.Background(), 3, call{op: "probe", method: http.MethodGet, path: "/", out: &out})
	require.NoError(t, err)
	require.True(t, out.OK)
	require.Equal(t, int32(2), calls.Load())
	require.Equal(t, []errorKind{{Kind: "probe: HTTP 503", Count: 1, Example: "probe: HTTP 503"}}, cl.errs.list())
}

// A send that meets a dependency outage (503 with Retry-After) is sent again
// after the wait ccflow asked for, with the same body, so the same
// messageCode: ccflow applies it once.
func TestDoRetryHonoursRetryAfterWithTheSameMessageCode(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		mu.Lock()
		bodies, at = append(bodies, string(raw)), append(at, time.Now())
		n := len(bodies)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, err = w.Write([]byte(`{"resultCode":"0"}`))
		require.NoError(t, err)
	}))
	defer srv.Close()
	cl := &caller{http: srv.Client(), base: srv.URL, errs: newErrorCounts()}
	body := map[string]any{"controlType": "CHAT", "content": "hi", "messageCode": "m-1"}
	_, err := cl.doRetry(context.Background(), 3, call{op: "send CHAT", method: http.MethodPost, path: "/send", body: body})
	require.NoError(t, err)
	require.Len(t, bodies, 2)
	require.Equal(t, bodies[0], bodies[1], "the retry is the same send")
	require.Contains(t, bodies[1], `"messageCode":"m-1"`)
	require.GreaterOrEqual(t, at[1].Sub(at[0]), time.Second, "Retry-After: 1 is honoured (the backoff alone is 200 ms)")
	require.Equal(t, 5*time.Second, retryAfter(http.Header{"Retry-After": {"5"}}))
	require.Equal(t, maxRetryAfter, retryAfter(http.Header{"Retry-After": {"3600"}}))
	require.Zero(t, retryAfter(http.Header{"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}}))
}

func TestDoRetryStopsOnClientError(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	cl := &caller{http: srv.Client(), base: srv.URL, errs: newErrorCounts()}
	_, err := cl.doRetry(context.Background(), 3, call{op: "probe", method: http.MethodGet, path: "/"})
	var ae *apiError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, 400, ae.Status)
	require.Equal(t, int32(1), calls.Load())
}

func TestCancelledCallIsNotCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cl := &caller{http: srv.Client(), base: srv.URL, errs: newErrorCounts()}
	_, err := cl.do(ctx, call{op: "probe", method: http.MethodGet, path: "/"})
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, cl.errs.list())
}
