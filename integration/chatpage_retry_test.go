package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/web"
)

// outageServer serves the real chat page and answers its calls as ccflow
// would while a dependency is down: the first CHAT send answers 503 with
// Retry-After, the next ones are accepted.
type outageServer struct {
	mu    sync.Mutex
	chats []map[string]string
	times []time.Time
}

func (o *outageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.URL.Path == "/chat":
		http.ServeFileFS(w, r, web.Static(), "chat/chat.html")
	case strings.HasPrefix(r.URL.Path, "/chat/"):
		http.ServeFileFS(w, r, web.Static(), "chat/"+strings.TrimPrefix(r.URL.Path, "/chat/"))
	case r.URL.Path == "/api/web/v1/session":
		reply(http.StatusOK, map[string]any{"resultCode": "0", "token": "t", "expiresIn": 3600, "channelConfigId": "ch",
			"userId": "u-1", "userName": "Ann", "locale": "zh", "skillGroupId": 11, "tenantName": "Demo Shop"})
	case r.URL.Path == "/apiaccess/ccmessaging/send":
		var body map[string]string
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		if body["controlType"] != "CHAT" {
			reply(http.StatusOK, map[string]string{"resultCode": "0", "resultDesc": "connect to robot success."})
			return
		}
		o.mu.Lock()
		o.chats, o.times = append(o.chats, body), append(o.times, time.Now())
		first := len(o.chats) == 1
		o.mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			reply(http.StatusServiceUnavailable, map[string]string{"resultCode": "13", "resultDesc": "service temporarily unavailable, retry"})
			return
		}
		reply(http.StatusOK, map[string]string{"resultCode": "0", "resultDesc": "Send message to robot successfully"})
	case r.URL.Path == "/apiaccess/ccmessaging/poll":
		select { // a long-poll with nothing new
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
		reply(http.StatusOK, map[string]any{"resultCode": "0", "downlinkMessages": []any{}, "cursor": 0})
	case r.URL.Path == "/apiaccess/ccmessaging/queryPhraseByKeyword":
		reply(http.StatusOK, map[string]any{"resultCode": "0", "phrases": []string{}, "question": []string{}})
	case r.URL.Path == "/apiaccess/ccmessaging/queryQueueInfo":
		reply(http.StatusOK, map[string]string{"resultCode": "1"})
	default:
		reply(http.StatusNotFound, map[string]string{"resultCode": "404"})
	}
}

// TestChatPageRetriesASendAfterA503 checks the chat page's side of an
// outage: a send answered 503 is sent again after its Retry-After, with the
// same messageCode, and the message ends up sent, shown once.
func TestChatPageRetriesASendAfterA503(t *testing.T) {
	o := &outageServer{}
	srv := httptest.NewServer(o)
	defer srv.Close()
	b := newBrowser(t)
	b.run("open the chat", chromedp.Navigate(srv.URL+"/chat?key=k"))
	b.waitText("#status", "智能客服为您服务")
	b.run("type", chromedp.Click(chromedp.CSS("#text")), typeText("在吗"))
	b.run("Enter", pressEnter())
	b.waitJS("sent after the retry", `document.querySelector('#messages li.out.sent')`)
	require.Equal(t, 1, mustEval[int](t, b, bubbles("out", "在吗")), "shown once")

	o.mu.Lock()
	defer o.mu.Unlock()
	require.Len(t, o.chats, 2, "one refused attempt, one accepted")
	require.NotEmpty(t, o.chats[0]["messageCode"])
	require.Equal(t, o.chats[0]["messageCode"], o.chats[1]["messageCode"], "the retry carries the same messageCode")
	require.Equal(t, o.chats[0]["content"], o.chats[1]["content"])
	require.GreaterOrEqual(t, o.times[1].Sub(o.times[0]), 900*time.Millisecond, "after Retry-After: 1")
	b.requireNoScriptErrors()
}

// mustEval evaluates expr in the page.
func mustEval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := eval[T](b, expr)
	require.NoError(t, err)
	return v
}
