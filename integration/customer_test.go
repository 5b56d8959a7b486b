package integration

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/workflows/conversation"
)

// Paths of spec 003's customer API.
const (
	pathTokenByAkSk   = "/apigovernance/api/oauth/tokenByAkSk"
	pathApplyToken    = "/apiaccess/ccmessaging/applyToken"
	pathSend          = "/apiaccess/ccmessaging/send"
	pathPoll          = "/apiaccess/ccmessaging/poll"
	pathQueueInfo     = "/apiaccess/ccmessaging/queryQueueInfo"
	pathSatisfaction  = "/apiaccess/ccmessaging/saveSatisfaction"
	pathPhrase        = "/apiaccess/ccmessaging/queryPhraseByKeyword"
	pathRobotFeedback = "/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction"
)

// str returns obj[key] as a string, failing when it is absent or not a string.
func str(t testing.TB, obj map[string]any, key string) string {
	t.Helper()
	v, ok := obj[key]
	require.True(t, ok, "field %q present in %v", key, obj)
	s, ok := v.(string)
	require.True(t, ok, "field %q is a string, got %T %v", key, v, v)
	return s
}

// integer returns obj[key] as an integer, failing when it is absent or not one.
func integer(t testing.TB, obj map[string]any, key string) int64 {
	t.Helper()
	v, ok := obj[key]
	require.True(t, ok, "field %q present in %v", key, obj)
	n, ok := v.(json.Number)
	require.True(t, ok, "field %q is a number, got %T %v", key, v, v)
	i, err := n.Int64()
	require.NoError(t, err, "field %q is an integer", key)
	return i
}

// withHeaders copies h and applies kv pairs; an empty value removes the header.
func withHeaders(h map[string]string, kv ...string) map[string]string {
	out := maps.Clone(h)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

// withFields copies a JSON body and applies kv pairs; a nil value removes the field.
func withFields(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
		} else {
			out[k] = kv[i+1]
		}
	}
	return out
}

// sendBody is a sendMsgReq as the spec's samples spell it.
func sendBody(from, controlType, content string) map[string]any {
	return map[string]any{
		"content": content, "controlType": controlType, "from": from, "mediaType": "TEXT",
		"senderNickname": "user_" + from, "sourceType": "CUSTOMER",
		"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10), "to": demoChannel,
		"userAgent": nil, "senderAvatar": nil, "channel": "WEB",
	}
}

// apiCase is one request and the answer it must get.
type apiCase struct {
	name    string
	method  string // POST when empty
	path    string // with the query string, if any
	headers map[string]string
	body    any
	status  int
	code    string
	desc    string // the exact resultDesc, when set
	descHas string // a part of resultDesc, when set
	check   func(t *testing.T, obj map[string]any)
}

func (c apiCase) run(t *testing.T, base string) map[string]any {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	ans := rawRequest(t, method, base+c.path, c.headers, c.body)
	require.Equal(t, c.status, ans.status, "HTTP status; answer: %s", ans.body)
	obj := ans.object(t)
	if c.code != "" {
		assert.Equal(t, c.code, str(t, obj, "resultCode"), "resultCode; answer: %s", ans.body)
	}
	if c.desc != "" {
		assert.Equal(t, c.desc, str(t, obj, "resultDesc"), "resultDesc; answer: %s", ans.body)
	}
	if c.descHas != "" {
		assert.Contains(t, str(t, obj, "resultDesc"), c.descHas, "resultDesc; answer: %s", ans.body)
	}
	if c.check != nil {
		c.check(t, obj)
	}
	return obj
}

func runCases(t *testing.T, base string, cases []apiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, base) })
	}
}

// forge flips one character of a JWT's signature, so it no longer verifies.
func forge(t testing.TB, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3, "ccmessaging-token is a JWT")
	sig := []byte(parts[2])
	// The first character carries six significant bits; the last may carry only padding.
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	parts[2] = string(sig)
	return strings.Join(parts, ".")
}

// pollRaw polls with the query string q (receiverId and channel are added).
func pollRaw(t testing.TB, v *visitor, q string) map[string]any {
	t.Helper()
	url := v.base + pathPoll + "?receiverId=" + v.id + "&channel=WEB"
	if q != "" {
		url += "&" + q
	}
	ans := rawRequest(t, http.MethodGet, url, v.headers(), nil)
	require.Equal(t, http.StatusOK, ans.status, "poll answer: %s", ans.body)
	obj := ans.object(t)
	require.Equal(t, "0", str(t, obj, "resultCode"))
	require.Equal(t, "query user messages success.", str(t, obj, "resultDesc"))
	return obj
}

// downlinks returns the downlinkMessages of a poll answer.
func downlinks(t testing.TB, obj map[string]any) []map[string]any {
	t.Helper()
	raw, ok := obj["downlinkMessages"].([]any)
	require.True(t, ok, "downlinkMessages is an array: %v", obj)
	out := make([]map[string]any, len(raw))
	for i, m := range raw {
		out[i], ok = m.(map[string]any)
		require.True(t, ok, "a downlink message is an object: %v", m)
	}
	return out
}

const (
	greeting      = "欢迎欢迎，热烈欢迎"
	versionAnswer = "当前版本为" // how the demo FAQ's answer to 版本 begins
)

func TestCustomerAPIResultCodesAndBadInput(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	base := n.url()
	begin := time.Now()

	// A visitor with a robot conversation, for the bad-input cases.
	bad := newVisitor(t, base, "it-bad-input")
	require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescConnectRobot}, bad.send("CONNECT", ""))
	other := newVisitor(t, base, "it-other-user")
	ok := sendBody(bad.id, "CHAT", "你好")

	t.Run("tokenByAkSk", func(t *testing.T) {
		creds := map[string]any{"app_key": demoAppKey, "app_secret": "demo-app-secret"}
		expire := func(v string) map[string]string { return map[string]string{"X-Token-Expire": v} }
		runCases(t, base, []apiCase{
			{name: "wrong secret", path: pathTokenByAkSk, headers: expire("600"),
				body: withFields(creds, "app_secret", "wrong-secret"), status: 401, code: "401", desc: "invalid app_key or app_secret"},
			{name: "unknown key answers like a wrong secret", path: pathTokenByAkSk, headers: expire("600"),
				body: withFields(creds, "app_key", "no-such-key"), status: 401, code: "401", desc: "invalid app_key or app_secret"},
			{name: "X-Token-Expire abc", path: pathTokenByAkSk, headers: expire("abc"), body: creds,
				status: 400, code: "400", descHas: "X-Token-Expire"},
			{name: "X-Token-Expire 0", path: pathTokenByAkSk, headers: expire("0"), body: creds,
				status: 400, code: "400", descHas: "X-Token-Expire"},
			{name: "X-Token-Expire 90000", path: pathTokenByAkSk, headers: expire("90000"), body: creds,
				status: 400, code: "400", descHas: "X-Token-Expire"},
			{name: "malformed JSON", path: pathTokenByAkSk, headers: expire("600"), body: `{"app_key":"demo-app-key",`,
				status: 400, code: "400", descHas: "JSON"},
			{name: "missing app_secret", path: pathTokenByAkSk, headers: expire("600"), body: withFields(creds, "app_secret", nil),
				status: 400, code: "400", descHas: "app_secret"},
			{name: "X-Token-Expire 86400 accepted", path: pathTokenByAkSk, headers: expire("86400"), body: creds,
				status: 200, check: func(t *testing.T, obj map[string]any) {
					assert.Equal(t, "86400", str(t, obj, "Expires"))
					assert.NotEmpty(t, str(t, obj, "AccessToken"))
				}},
		})
	})

	t.Run("applyToken", func(t *testing.T) {
		body := map[string]any{"userId": "it-apply", "userName": "Ann", "channelId": demoChannel, "locale": "zh"}
		app := bad.appHeaders()
		runCases(t, base, []apiCase{
			{name: "missing Authorization", path: pathApplyToken, headers: withHeaders(app, "Authorization", ""), body: body,
				status: 401, code: "1", descHas: "Authorization"},
			{name: "garbage bearer", path: pathApplyToken, headers: withHeaders(app, "Authorization", "Bearer not.a.token"), body: body,
				status: 401, code: "1", descHas: "AccessToken"},
			{name: "unknown channelId", path: pathApplyToken, headers: app, body: withFields(body, "channelId", "4242424242424242424"),
				status: 400, code: "1", descHas: "4242424242424242424"},
			{name: "locale with a country", path: pathApplyToken, headers: app, body: withFields(body, "locale", "zh_CN"),
				status: 400, code: "1", descHas: "locale"},
			{name: "missing userId", path: pathApplyToken, headers: app, body: withFields(body, "userId", nil),
				status: 400, code: "1", descHas: "userId"},
			{name: "valid", path: pathApplyToken, headers: app, body: body, status: 200, code: "0",
				check: func(t *testing.T, obj map[string]any) { assert.NotEmpty(t, str(t, obj, "token")) }},
		})
	})

	t.Run("send bad input", func(t *testing.T) {
		h := bad.headers()
		longest := strings.Repeat("汉", 2000) // spec 003 caps only downlink messages (500)
		huge := `{"channel":"WEB","controlType":"CHAT","content":"` + strings.Repeat("a", 1<<20) + `"}`
		runCases(t, base, []apiCase{
			{name: "missing ccmessaging-token", path: pathSend, headers: withHeaders(h, "ccmessaging-token", ""), body: ok,
				status: 401, code: "13", descHas: "ccmessaging-token header is required"},
			{name: "missing x-app-key", path: pathSend, headers: withHeaders(h, "x-app-key", ""), body: ok,
				status: 401, code: "13", descHas: "x-app-key"},
			{name: "missing Authorization", path: pathSend, headers: withHeaders(h, "Authorization", ""), body: ok,
				status: 401, code: "13", descHas: "Authorization"},
			{name: "forged ccmessaging-token", path: pathSend, headers: withHeaders(h, "ccmessaging-token", forge(t, bad.session)), body: ok,
				status: 401, code: "13", descHas: "invalid ccmessaging-token"},
			{name: "another user's from", path: pathSend, headers: h, body: withFields(ok, "from", other.id),
				status: 403, code: "13", descHas: "another user"},
			{name: "another channel in to", path: pathSend, headers: h, body: withFields(ok, "to", "1011577355744904196"),
				status: 403, code: "13", descHas: "another channel"},
			{name: "malformed JSON", path: pathSend, headers: h, body: `{"controlType":"CHAT","content":"hi"`,
				status: 400, code: "13", descHas: "JSON"},
			{name: "unknown controlType", path: pathSend, headers: h, body: withFields(ok, "controlType", "FOO"),
				status: 400, code: "13", descHas: "controlType"},
			{name: "unknown mediaType", path: pathSend, headers: h, body: withFields(ok, "mediaType", "GIF"),
				status: 400, code: "13", descHas: "mediaType"},
			{name: "IMAGE for CHAT", path: pathSend, headers: h, body: withFields(ok, "mediaType", "IMAGE"),
				status: 400, code: "13", descHas: "IMAGE"},
			{name: "content of 2001 characters", path: pathSend, headers: h, body: withFields(ok, "content", longest+"汉"),
				status: 400, code: "13", descHas: "content must be at most 2000 characters"},
			{name: "content of 2000 characters (6000 bytes)", path: pathSend, headers: h, body: withFields(ok, "content", longest),
				status: 200, code: conversation.CodeOK, desc: conversation.DescRobotChat},
			{name: "CHAT without content", path: pathSend, headers: h, body: withFields(ok, "content", ""),
				status: 400, code: "13", descHas: "content"},
			{name: "body over 1 MiB", path: pathSend, headers: h, body: huge,
				status: 413, code: "13", descHas: "larger than"},
		})
	})

	// First of the tests that queue, so that the visitor is first in line.
	t.Run("queryQueueInfo", func(t *testing.T) {
		q := newVisitor(t, base, "it-queue")
		body := map[string]any{"userId": q.id, "channelConfigId": demoChannel, "channel": "WEB"}
		notQueued := apiCase{name: "not queued", path: pathQueueInfo, headers: q.headers(), body: body, status: 200, code: "1"}
		t.Run("before CONNECT", func(t *testing.T) { notQueued.run(t, base) })
		require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescConnectRobot}, q.send("CONNECT", ""))
		t.Run("with the robot", func(t *testing.T) { notQueued.run(t, base) })
		require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescTransferOK}, q.send("TRANS2AGENT", ""))
		runCases(t, base, []apiCase{
			{name: "queued", path: pathQueueInfo, headers: q.headers(), body: body, status: 200, code: "0",
				check: func(t *testing.T, obj map[string]any) {
					assert.EqualValues(t, 1, integer(t, obj, "position"))
					assert.EqualValues(t, 300, integer(t, obj, "configMaxcWaitTime"))
					assert.GreaterOrEqual(t, integer(t, obj, "totalWaitTime"), int64(0))
					assert.GreaterOrEqual(t, integer(t, obj, "estimateWaitTime"), int64(0))
					assert.GreaterOrEqual(t, integer(t, obj, "currentDeviceWaitTime"), int64(0))
					assert.GreaterOrEqual(t, integer(t, obj, "longestWaitTime"), int64(0))
				}},
			{name: "queued, only the ccmessaging-token", path: pathQueueInfo,
				headers: map[string]string{"ccmessaging-token": q.session}, body: body, status: 200, code: "0"},
			{name: "another user's userId", path: pathQueueInfo, headers: q.headers(), body: withFields(body, "userId", other.id),
				status: 403, code: "1"},
			{name: "missing channel", path: pathQueueInfo, headers: q.headers(), body: withFields(body, "channel", nil),
				status: 400, code: "1", descHas: "channel"},
		})
		require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescDisconnect}, q.send("DISCONNECT", ""))
	})

	t.Run("send result codes", func(t *testing.T) {
		v := newVisitor(t, base, "it-flow")
		h := v.headers()
		step := func(name, controlType string, code, desc string) apiCase {
			content := ""
			if controlType == "CHAT" {
				content = "你好"
			}
			return apiCase{name: name, path: pathSend, headers: h, body: sendBody(v.id, controlType, content),
				status: 200, code: code, desc: desc}
		}
		for _, c := range []apiCase{
			step("CHAT before CONNECT", "CHAT", conversation.CodeFailed, conversation.DescUserMessageFailed),
			step("TRANS2AGENT before CONNECT", "TRANS2AGENT", conversation.CodeFailed, conversation.DescTransferNoSession),
			step("DISCONNECT before CONNECT", "DISCONNECT", conversation.CodeFailed, conversation.DescDisconnectFailed),
			step("CONNECT", "CONNECT", conversation.CodeOK, conversation.DescConnectRobot),
			step("CONNECT again", "CONNECT", conversation.CodeOK, conversation.DescConnectRobot),
			step("INPUT while the robot serves", "INPUT", conversation.CodeFailed, conversation.DescInputRobot),
			step("TRANS2AGENT", "TRANS2AGENT", conversation.CodeOK, conversation.DescTransferOK),
			step("INPUT while queued", "INPUT", conversation.CodeOK, conversation.DescUserMessage),
			step("CHAT while queued", "CHAT", conversation.CodeOK, conversation.DescUserMessage),
			step("DISCONNECT", "DISCONNECT", conversation.CodeOK, conversation.DescDisconnect),
			step("DISCONNECT again", "DISCONNECT", conversation.CodeFailed, conversation.DescDisconnectFailed),
			step("CHAT after DISCONNECT", "CHAT", conversation.CodeFailed, conversation.DescUserMessageFailed),
		} {
			if !t.Run(c.name, func(t *testing.T) { c.run(t, base) }) {
				t.FailNow() // later steps depend on this one
			}
		}
	})

	t.Run("repeated send is applied once", func(t *testing.T) {
		v := newVisitor(t, base, "it-dedupe")
		require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescConnectRobot}, v.send("CONNECT", ""))
		byCode := withFields(sendBody(v.id, "CHAT", "版本"), "messageCode", "it-dedupe-mc-1")
		byHeader := withHeaders(v.headers(), "Idempotency-Key", "it-dedupe-key-1")
		var answers []string
		for _, req := range []struct {
			h    map[string]string
			body map[string]any
		}{{v.headers(), byCode}, {v.headers(), byCode}, {byHeader, sendBody(v.id, "CHAT", "版本")}, {byHeader, sendBody(v.id, "CHAT", "版本")}} {
			ans := rawRequest(t, http.MethodPost, base+pathSend, req.h, req.body)
			require.Equal(t, http.StatusOK, ans.status, "answer: %s", ans.body)
			answers = append(answers, string(ans.body))
			obj := ans.object(t)
			assert.Equal(t, conversation.CodeOK, str(t, obj, "resultCode"))
			assert.Equal(t, conversation.DescRobotChat, str(t, obj, "resultDesc"))
		}
		assert.Equal(t, answers[0], answers[1], "the repeat by messageCode answers as the first time")
		assert.Equal(t, answers[2], answers[3], "the repeat by Idempotency-Key answers as the first time")
		// The robot answers in order, so once the answer to a later question
		// is there, every answer to the repeats would be there too.
		require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescRobotChat}, v.send("CHAT", "网格如何划分"))
		var robot []string
		eventually(t, 20*time.Second, "robot answers the last question", func() error {
			robot = robot[:0]
			for _, m := range downlinks(t, pollRaw(t, v, "cursor=0")) {
				if m["sourceType"] == "ROBOT" && m["content"] != greeting {
					robot = append(robot, m["content"].(string))
				}
			}
			if len(robot) == 0 || !strings.HasPrefix(robot[len(robot)-1], "网格按街道") {
				return errString("robot answers so far: " + strings.Join(robot, " | "))
			}
			return nil
		})
		versions := 0
		for _, r := range robot {
			if strings.HasPrefix(r, versionAnswer) {
				versions++
			}
		}
		assert.Equal(t, 2, versions, "one answer per distinct send of 版本, none for the repeats: %q", robot)
		assert.Len(t, robot, 3, "robot answers: %q", robot)
	})

	t.Run("poll", func(t *testing.T) {
		v := newVisitor(t, base, "it-poll")
		require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescConnectRobot}, v.send("CONNECT", ""))
		first := downlinks(t, pollRaw(t, v, "wait=5"))
		require.Len(t, first, 1, "the greeting, once")
		assert.Equal(t, greeting, first[0]["content"])
		assert.Empty(t, downlinks(t, pollRaw(t, v, "")), "a second poll gets nothing: each message is delivered once")
		again := pollRaw(t, v, "cursor=0")
		msgs := downlinks(t, again)
		require.Len(t, msgs, 1, "cursor=0 returns every message again")
		assert.Equal(t, greeting, msgs[0]["content"])
		assert.Equal(t, integer(t, msgs[0], "seq"), integer(t, again, "cursor"), "cursor is the seq of the last message")

		began := time.Now()
		waited := pollRaw(t, v, "wait=2")
		assert.Empty(t, downlinks(t, waited), "nothing new while waiting")
		assert.GreaterOrEqual(t, time.Since(began), time.Second, "wait=2 long-polls")

		h := v.headers()
		q := pathPoll + "?channel=WEB&receiverId=" + v.id
		runCases(t, base, []apiCase{
			{name: "cursor -1", method: http.MethodGet, path: q + "&cursor=-1", headers: h, status: 400, code: "400", descHas: "cursor"},
			{name: "cursor x", method: http.MethodGet, path: q + "&cursor=x", headers: h, status: 400, code: "400", descHas: "cursor"},
			{name: "wait 31", method: http.MethodGet, path: q + "&wait=31", headers: h, status: 400, code: "400", descHas: "wait"},
			// Overflowed the old check (seconds times 1e9) into a negative wait.
			{name: "wait max int64", method: http.MethodGet, path: q + "&wait=9223372036854775807", headers: h, status: 400, code: "400", descHas: "wait"},
			{name: "another user's receiverId", method: http.MethodGet, path: pathPoll + "?channel=WEB&receiverId=" + other.id,
				headers: h, status: 403, code: "403"},
			{name: "channel APP", method: http.MethodGet, path: pathPoll + "?channel=APP&receiverId=" + v.id,
				headers: h, status: 400, code: "400", descHas: "channel"},
			{name: "missing x-app-key", method: http.MethodGet, path: q, headers: withHeaders(h, "x-app-key", ""),
				status: 401, code: "401"},
		})
	})

	t.Run("saveSatisfaction", func(t *testing.T) {
		v := newVisitor(t, base, "it-rate")
		body := map[string]any{"channel": "WEB", "userId": v.id, "evaluation": "5", "comment": "满意", "channelConfigId": demoChannel}
		noCall := func(t *testing.T, obj map[string]any) {
			assert.Equal(t, conversation.CodeFailed, str(t, obj, "returnCode"))
		}
		runCases(t, base, []apiCase{
			{name: "no conversation", path: pathSatisfaction, headers: v.headers(), body: body,
				status: 200, code: conversation.CodeFailed, desc: conversation.DescSatisfactionNoCall, check: noCall},
		})
		require.Equal(t, sendAnswer{conversation.CodeOK, conversation.DescConnectRobot}, v.send("CONNECT", ""))
		runCases(t, base, []apiCase{
			{name: "no agent took part", path: pathSatisfaction, headers: v.headers(), body: body,
				status: 200, code: conversation.CodeFailed, desc: conversation.DescSatisfactionNoCall, check: noCall},
			{name: "evaluation 6", path: pathSatisfaction, headers: v.headers(), body: withFields(body, "evaluation", "6"),
				status: 400, code: "13", descHas: "evaluation"},
			{name: "comment of 512 characters", path: pathSatisfaction, headers: v.headers(),
				body: withFields(body, "comment", strings.Repeat("好", 512)), status: 400, code: "13", descHas: "comment"},
			{name: "comment missing (table 6-2 marks it required)", path: pathSatisfaction, headers: v.headers(),
				body: withFields(body, "comment", nil), status: 400, code: "13", desc: "comment is required"},
			{name: "comment of 511 characters", path: pathSatisfaction, headers: v.headers(),
				body:   withFields(body, "comment", strings.Repeat("好", 511)),
				status: 200, code: conversation.CodeFailed, desc: conversation.DescSatisfactionNoCall, check: noCall},
			{name: "another user's userId", path: pathSatisfaction, headers: v.headers(), body: withFields(body, "userId", other.id),
				status: 403, code: "13"},
		})
	})

	t.Run("queryPhraseByKeyword", func(t *testing.T) {
		only := map[string]string{"ccmessaging-token": bad.session}
		body := map[string]any{"strContent": "网格", "locale": "zh", "channel": "WEB"}
		runCases(t, base, []apiCase{
			{name: "网格", path: pathPhrase, headers: only, body: body, status: 200, code: "0",
				check: func(t *testing.T, obj map[string]any) {
					qs, ok := obj["question"].([]any)
					require.True(t, ok, "question is an array: %v", obj)
					require.NotEmpty(t, qs)
					for _, q := range qs {
						s, _ := q.(string)
						assert.True(t, strings.HasPrefix(s, "网格"), "suggestion %q starts with 网格", q)
					}
				}},
			{name: "missing strContent", path: pathPhrase, headers: only, body: withFields(body, "strContent", nil),
				status: 400, code: "1", descHas: "strContent"},
			{name: "missing token", path: pathPhrase, headers: nil, body: body, status: 401, code: "1", descHas: "ccmessaging-token"},
			{name: "unknown locale", path: pathPhrase, headers: only, body: withFields(body, "locale", "fr"),
				status: 400, code: "1", desc: "locale is error"},
		})
	})

	t.Run("robot feedback", func(t *testing.T) {
		h := bad.headers()
		body := map[string]any{"feedback": 0, "feedbackContent": "dissatisfied", "from": bad.id, "interIdx": "1"}
		runCases(t, base, []apiCase{
			{name: "dissatisfied without content", path: pathRobotFeedback, headers: h, body: withFields(body, "feedbackContent", nil),
				status: 200, code: "30000000008"},
			{name: "satisfied", path: pathRobotFeedback, headers: h, body: withFields(body, "feedback", 1, "feedbackContent", nil),
				status: 200, code: "0", desc: "Send message to robot successfully"},
			{name: "dissatisfied with content", path: pathRobotFeedback, headers: h, body: body,
				status: 200, code: "0", desc: "Send message to robot successfully"},
			{name: "feedback 2", path: pathRobotFeedback, headers: h, body: withFields(body, "feedback", 2),
				status: 400, code: "30010009999", descHas: "feedback"},
			// 22 characters, 66 bytes: the limit is in bytes.
			{name: "feedbackContent over 64 bytes", path: pathRobotFeedback, headers: h,
				body: withFields(body, "feedbackContent", strings.Repeat("差", 22)), status: 400, code: "30010009999", descHas: "64"},
			{name: "another user's from", path: pathRobotFeedback, headers: h, body: withFields(body, "from", other.id),
				status: 403, code: "30010009999"},
		})
	})

	t.Logf("requests took %s", time.Since(begin).Round(time.Millisecond))
}

// errString is an error that is just its text.
type errString string

func (e errString) Error() string { return string(e) }
