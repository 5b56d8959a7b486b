package integration

// Helpers of the message-path tests (issue 9): calls that report transport
// errors instead of failing the test, so that goroutines can make them while
// processes die, and readers of the log through every view a user has.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// mpHTTP is the client of the message-path tests' reads: a browser's way,
// keeping connections open, with a bound on every call.
var mpHTTP = &http.Client{Timeout: 45 * time.Second, Transport: checked(&http.Transport{})}

// closingHTTP opens a connection per request and closes it once the answer
// is read, as curl or an HTTP/1.0 client does. Sends use it, so that a send
// never rides a connection a killed server left behind.
var closingHTTP = &http.Client{Timeout: 45 * time.Second, Transport: checked(&http.Transport{DisableKeepAlives: true})}

// mpDo sends a JSON request and returns the status and raw body, or the
// transport error. It never fails the test, so goroutines may call it.
func mpDo(ctx context.Context, method, u string, headers map[string]string, body any) (int, []byte, error) {
	return mpDoWith(mpHTTP, ctx, method, u, headers, body)
}

func mpDoWith(client *http.Client, ctx context.Context, method, u string, headers map[string]string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		enc, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// mpSendResult is one visitor send as the client saw it.
type mpSendResult struct {
	status int
	answer sendAnswer
	body   string
	err    error
}

// acknowledged is the spec's success: HTTP 200 and resultCode 0.
func (r mpSendResult) acknowledged() bool {
	return r.err == nil && r.status == http.StatusOK && r.answer.ResultCode == "0"
}

func (r mpSendResult) String() string {
	if r.err != nil {
		return "error: " + r.err.Error()
	}
	return fmt.Sprintf("HTTP %d %s", r.status, r.body)
}

// mpSend sends a visitor's message with a messageCode (none when key is empty).
func mpSend(v *visitor, controlType, content, key string) mpSendResult {
	body := sendBody(v.id, controlType, content)
	if key != "" {
		body["messageCode"] = key
	}
	status, raw, err := mpDoWith(closingHTTP, context.Background(), http.MethodPost, v.base+pathSend, v.headers(), body)
	r := mpSendResult{status: status, body: string(raw), err: err}
	if err == nil && status == http.StatusOK {
		if jerr := json.Unmarshal(raw, &r.answer); jerr != nil {
			r.err = fmt.Errorf("answer is not JSON: %w: %s", jerr, raw)
		}
	}
	return r
}

// mpDownlink is a downlink message with the fields these tests check.
type mpDownlink struct {
	Content     string `json:"content"`
	SourceType  string `json:"sourceType"`
	ControlType string `json:"controlType"`
	MessageCode string `json:"messageCode"`
	Seq         int64  `json:"seq"`
}

type mpPollAnswer struct {
	ResultCode       string       `json:"resultCode"`
	DownlinkMessages []mpDownlink `json:"downlinkMessages"`
	Cursor           int64        `json:"cursor"`
}

// mpPoll polls with the query q (receiverId and channel added); ctx may cut it.
func mpPoll(ctx context.Context, v *visitor, q string) (mpPollAnswer, error) {
	return mpPollWith(mpHTTP, ctx, v, q)
}

func mpPollWith(client *http.Client, ctx context.Context, v *visitor, q string) (mpPollAnswer, error) {
	u := v.base + pathPoll + "?channel=WEB&receiverId=" + url.QueryEscape(v.id)
	if q != "" {
		u += "&" + q
	}
	status, raw, err := mpDoWith(client, ctx, http.MethodGet, u, v.headers(), nil)
	var ans mpPollAnswer
	if err != nil {
		return ans, err
	}
	if status != http.StatusOK {
		return ans, fmt.Errorf("poll answered HTTP %d: %s", status, raw)
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return ans, fmt.Errorf("poll answer: %w: %s", err, raw)
	}
	if ans.ResultCode != "0" {
		return ans, fmt.Errorf("poll answered %s", raw)
	}
	return ans, nil
}

// mustPoll is mpPoll on the test goroutine.
func mustPoll(t testing.TB, v *visitor, q string) mpPollAnswer {
	t.Helper()
	ans, err := mpPoll(context.Background(), v, q)
	require.NoError(t, err)
	return ans
}

// allDownlinks is every downlink message of the visitor's conversation (cursor 0).
func allDownlinks(t testing.TB, v *visitor) []mpDownlink {
	t.Helper()
	return mustPoll(t, v, "cursor=0").DownlinkMessages
}

// requireOnceInOrder checks that got, what cursor-less polls handed out over
// a whole conversation, is exactly the conversation's downlink messages: each
// once, in seq order, none left out.
func requireOnceInOrder(t testing.TB, got, all []mpDownlink) {
	t.Helper()
	seqs := func(ms []mpDownlink) []int64 {
		out := make([]int64, len(ms))
		for i, m := range ms {
			out[i] = m.Seq
		}
		return out
	}
	require.Equal(t, seqs(all), seqs(got), "cursor-less polls hand out every downlink message once, in order")
	for i := range all {
		require.Equal(t, all[i].MessageCode, got[i].MessageCode)
		require.Equal(t, all[i].Content, got[i].Content)
	}
}

// mpMessage is a message of the agent API's conversation view.
type mpMessage struct {
	Seq        int64  `json:"seq"`
	Direction  string `json:"direction"`
	SenderType string `json:"senderType"`
	Content    string `json:"content"`
}

// agentMessages reads a conversation's messages, both directions, through the
// agent API, page by page.
func agentMessages(t testing.TB, a *agent, convID string) []mpMessage {
	t.Helper()
	var out []mpMessage
	for after := int64(0); ; {
		var page struct {
			Messages []mpMessage `json:"messages"`
		}
		code := call(t, http.MethodGet, a.base+"/api/agent/v1/conversations/"+convID+"/messages?limit=500&after="+strconv.FormatInt(after, 10),
			a.headers(), nil, &page)
		require.Equal(t, http.StatusOK, code)
		if len(page.Messages) == 0 {
			return out
		}
		out = append(out, page.Messages...)
		after = page.Messages[len(page.Messages)-1].Seq
	}
}

// customerChats is the contents of the CUSTOMER messages with content, in order.
func customerChats(ms []mpMessage) []string {
	var out []string
	for _, m := range ms {
		if m.SenderType == "CUSTOMER" && m.Content != "" {
			out = append(out, m.Content)
		}
	}
	return out
}

// mpAgentEvents reads the agent's feed once; it never fails the test.
func mpAgentEvents(ctx context.Context, a *agent, cursor int64, wait int) ([]agentEvent, int64, error) {
	status, raw, err := mpDo(ctx, http.MethodGet,
		a.base+"/api/agent/v1/events?cursor="+strconv.FormatInt(cursor, 10)+"&wait="+strconv.Itoa(wait), a.headers(), nil)
	if err != nil {
		return nil, cursor, err
	}
	if status != http.StatusOK {
		return nil, cursor, fmt.Errorf("events answered HTTP %d: %s", status, raw)
	}
	var out struct {
		Events []agentEvent `json:"events"`
		Cursor int64        `json:"cursor"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, cursor, err
	}
	return out.Events, out.Cursor, nil
}

// mpAgentSay sends an agent's message with a messageCode; it never fails the test.
func mpAgentSay(a *agent, convID, content, key string) (int, string, error) {
	body := map[string]string{"content": content}
	if key != "" {
		body["messageCode"] = key
	}
	status, raw, err := mpDoWith(closingHTTP, context.Background(), http.MethodPost, a.base+"/api/agent/v1/conversations/"+convID+"/messages", a.headers(), body)
	return status, string(raw), err
}

// conversationRow is the visitor's newest conversation on the demo channel.
func conversationRow(t testing.TB, db *gorm.DB, userID string) models.Conversation {
	t.Helper()
	var c models.Conversation
	require.NoError(t, db.Where("channel_config_id = ? AND user_id = ?", demoChannel, userID).Order("started_at DESC").Take(&c).Error)
	return c
}

// conversationRecords is a conversation's chat records in seq order.
func conversationRecords(t testing.TB, db *gorm.DB, convID string) []models.ChatRecord {
	t.Helper()
	var rows []models.ChatRecord
	require.NoError(t, db.Where("conversation_id = ?", convID).Order("seq").Find(&rows).Error)
	return rows
}

// memberRecords is the visitor's spec 004 chat records (all pages), oldest first.
func memberRecords(t testing.TB, v *visitor) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		var list struct {
			Items []struct {
				Cnt         string `json:"cnt"`
				MessageType string `json:"messageType"`
			} `json:"items"`
			Meta struct {
				PageCount int `json:"pageCount"`
			} `json:"_meta"`
		}
		code := call(t, http.MethodGet, v.base+"/chat-records/list?sellerId=demo&pageSize=100&page="+strconv.Itoa(page)+"&memberId="+url.QueryEscape(v.id),
			v.headers(), nil, &list)
		require.Equal(t, http.StatusOK, code)
		for _, it := range list.Items {
			out = append(out, it.MessageType+" "+it.Cnt)
		}
		if page >= list.Meta.PageCount {
			break
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
