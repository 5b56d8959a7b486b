package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestContractCatchesDrift: the validating transport the integration tests
// call ccflow through fails a call whose answer renamed a field, a path the
// document lacks that the server serves, and a request the document refuses
// that the server accepts; a call that agrees with the document passes.
func TestContractCatchesDrift(t *testing.T) {
	drifted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch r.URL.Path {
		case "/healthz":
			_, _ = io.WriteString(w, `{"status":"ok"}`)
		case "/apiaccess/ccmessaging/send":
			if r.Header.Get("X-Test") == "renamed" {
				_, _ = io.WriteString(w, `{"resultcode":"0","resultDesc":"sendUserMessage successfully."}`)
				return
			}
			_, _ = io.WriteString(w, `{"resultCode":"0","resultDesc":"sendUserMessage successfully."}`)
		default:
			_, _ = io.WriteString(w, `{}`)
		}
	}))
	defer drifted.Close()
	u, err := url.Parse(drifted.URL)
	require.NoError(t, err)
	contract.serves(u.Host)
	mark := contract.mark()

	call := func(method, path, body string, headers map[string]string) error {
		req, err := http.NewRequest(method, drifted.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			require.NoError(t, resp.Body.Close())
		}
		return err
	}
	send := `{"channel":"WEB","content":"hi","controlType":"CHAT","from":"u1","mediaType":"TEXT","sourceType":"CUSTOMER","to":"c1"}`

	require.NoError(t, call(http.MethodGet, "/healthz", "", nil), "an answer the document allows passes")
	require.NoError(t, call(http.MethodPost, "/apiaccess/ccmessaging/send", send, nil))
	err = call(http.MethodPost, "/apiaccess/ccmessaging/send", send, map[string]string{"X-Test": "renamed"})
	require.ErrorContains(t, err, "POST /apiaccess/ccmessaging/send answered 200, which the document does not allow")
	err = call(http.MethodPost, "/apiaccess/ccmessaging/send", `{"channel":"WEB"}`, nil)
	require.ErrorContains(t, err, "the document refuses this request")
	err = call(http.MethodGet, "/api/agent/v1/undocumented", "", nil)
	require.ErrorContains(t, err, "is not in the document, but the server answered 200")

	push := func(body string) {
		req := httptest.NewRequest(http.MethodPost, "/ccflow-events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("X-Ccflow-Event-Id", "e1")
		req.Header.Set("X-Ccflow-Timestamp", "1619590480")
		req.Header.Set("X-Ccflow-Signature", "sha256="+strings.Repeat("ab", 32))
		contract.checkPush(req, []byte(body))
	}
	event := `{"event_id":"e1","conversation_id":"c1","seq":1,"visiter_id":"v1","content":"hi","business_id":1,` +
		`"service_id":"","direction":"to_service","timestamp":1619590480,"group":1,"state":"online",` +
		`"service_name":"","service_url":"","source_type":"CUSTOMER","control_type":"CHAT"}`
	push(event)
	require.Len(t, contract.swallow(mark), 3, "each violation is also kept for the run's report")
	push(strings.Replace(event, `"visiter_id"`, `"visitor_id"`, 1))
	got := contract.swallow(mark)
	require.Len(t, got, 1, "a push with a renamed field")
	require.Contains(t, got[0], "webhooks.conversationEvent")
}
