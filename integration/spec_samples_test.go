package integration

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/workflows/conversation"
)

// The request bodies of spec 003's 报文样例, verbatim but for the ids: the
// samples' own user ids and channel config id (which is the demo channel's),
// and the demo app key and secret.
const (
	specUser     = "session_1619573111751_user_1619573111751"
	specUserDisc = "session_1619573842490_user_1619573842490"

	// §2
	sampleTokenByAkSk = `{
"app_key": "demo-app-key",
"app_secret": "demo-app-secret"
}`
	// §3.2
	sampleApplyToken = `{ "userId": "session_1619573111751_user_1619573111751", "userName": "user_1619573111751", "channelId": "1011577355744904195", "locale": "zh" }`
	// §7.2, the four scenarios
	sampleConnect = `{ "content": "", "controlType": "CONNECT", "from":
"session_1619573111751_user_1619573111751", "mediaType": "TEXT",
"senderNickname": "user_1619573111751", "sourceType": "CUSTOMER",
"timestamp": "1619573122352", "to": "1011577355744904195", "userAgent":
null, "senderAvatar": null, "channel": "WEB" }`
	sampleChat = `{ "content": "版本", "controlType": "CHAT", "from":
"session_1619573111751_user_1619573111751", "mediaType": "TEXT",
"senderNickname": "user_1619573111751", "sourceType": "CUSTOMER",
"timestamp": "1619573123199", "to": "1011577355744904195", "userAgent":
null, "senderAvatar": null, "channel": "WEB" }`
	sampleTrans2Agent = `{ "content": "", "controlType": "TRANS2AGENT", "from":
"session_1619573111751_user_1619573111751", "mediaType": "TEXT",
"senderNickname": "user_1619573111751", "sourceType": "CUSTOMER",
"timestamp": "1619573129953", "to": "1011577355744904195", "userAgent":
null, "senderAvatar": null, "channel": "WEB" }`
	sampleDisconnect = `{ "content": "", "controlType": "DISCONNECT", "from":
"session_1619573842490_user_1619573842490", "mediaType": "TEXT",
"senderNickname": "user_1619573842490", "sourceType": "CUSTOMER",
"timestamp": "1619573854156", "to": "1011577355744904195", "userAgent":
null, "senderAvatar": null, "channel": "WEB" }`
	// §4.2
	sampleQueueInfo = `{ "userId":"session_1619573111751_user_1619573111751", "channelConfigId":"1011577355744904195", "channel":"WEB" }`
	// §5.2's URL
	samplePollQuery = "?receiverId=session_1619573111751_user_1619573111751&channel=WEB"
	// §6.2
	sampleSatisfaction = `{ "channel": "WEB", "userId": "session_1619573111751_user_1619573111751", "evaluation": "5", "comment": "满意", "channelConfigId": "1011577355744904195" }`
	// §10.2
	samplePhrase = `{ "strContent": "网格", "locale": "zh", "channel": "WEB" }`
	// §17, with the interIdx of the robot's answer to take (the sample's "2")
	sampleFeedback = `{ "feedback":0, "feedbackContent":"dissatisfied", "from":"session_1619573111751_user_1619573111751",
  "interIdx":"2" }`
)

// specClient holds what the samples' headers carry.
type specClient struct {
	t       *testing.T
	base    string
	access  string
	session string
}

// headers are the sample headers of §6.2 and §5.2.
func (c *specClient) headers() map[string]string {
	return map[string]string{"X-APP-Key": demoAppKey, "Authorization": "Bearer " + c.access, "ccmessaging-token": c.session}
}

// post sends a sample body with the full headers and expects a 200 JSON object.
func (c *specClient) post(path, body string, headers map[string]string) map[string]any {
	c.t.Helper()
	ans := rawRequest(c.t, http.MethodPost, c.base+path, headers, body)
	require.Equal(c.t, http.StatusOK, ans.status, "POST %s %s: %s", path, body, ans.body)
	return ans.object(c.t)
}

// send plays a §7.2 sample and checks the spec's answer.
func (c *specClient) send(body, code, desc string) {
	c.t.Helper()
	obj := c.post(pathSend, body, c.headers())
	assert.Equal(c.t, code, str(c.t, obj, "resultCode"), "send %s", body)
	assert.Equal(c.t, desc, str(c.t, obj, "resultDesc"), "send %s", body)
}

// poll plays §5.2's URL and checks the envelope.
func (c *specClient) poll() []map[string]any {
	c.t.Helper()
	ans := rawRequest(c.t, http.MethodGet, c.base+pathPoll+samplePollQuery, c.headers(), nil)
	require.Equal(c.t, http.StatusOK, ans.status, "poll: %s", ans.body)
	obj := ans.object(c.t)
	assert.Equal(c.t, "0", str(c.t, obj, "resultCode"))
	assert.Equal(c.t, "query user messages success.", str(c.t, obj, "resultDesc"))
	return downlinks(c.t, obj)
}

// pollUntil polls as a client does until a message matches.
func (c *specClient) pollUntil(what string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	var got map[string]any
	var seen []any
	eventually(c.t, 20*time.Second, what, func() error {
		for _, m := range c.poll() {
			seen = append(seen, m["content"])
			if match(m) {
				got = m
				return nil
			}
		}
		return errString("not yet; delivered so far: " + jsonText(seen))
	})
	return got
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkDownlink checks the fields §5.1.1 requires of a message to the visitor.
func checkDownlink(t *testing.T, m map[string]any, userID, sourceType string) {
	t.Helper()
	assert.Equal(t, demoChannel, str(t, m, "from"))
	assert.Equal(t, "WEB", str(t, m, "channel"))
	assert.Equal(t, userID, str(t, m, "to"))
	assert.Equal(t, "CHAT", str(t, m, "controlType"))
	assert.Equal(t, "TEXT", str(t, m, "mediaType"))
	assert.Equal(t, sourceType, str(t, m, "sourceType"))
	assert.NotEmpty(t, str(t, m, "content"))
	ts := integer(t, m, "timestamp")
	assert.InDelta(t, time.Now().UnixMilli(), ts, float64(5*time.Minute/time.Millisecond), "timestamp is epoch milliseconds")
	_, ok := m["simQuestions"]
	assert.True(t, ok, "simQuestions is a required field")
}

func TestSpecSamples(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	base := n.url()
	c := &specClient{t: t, base: base}

	// §2: the AccessToken.
	ans := rawRequest(t, http.MethodPost, base+pathTokenByAkSk,
		map[string]string{"Content-Type": "application/json", "X-Token-Expire": "600"}, sampleTokenByAkSk)
	require.Equal(t, http.StatusOK, ans.status, "tokenByAkSk: %s", ans.body)
	tok := ans.object(t)
	c.access = str(t, tok, "AccessToken")
	assert.NotEmpty(t, c.access)
	assert.Equal(t, "Bearer", str(t, tok, "ApplyType"))
	created, err := strconv.ParseInt(str(t, tok, "CreateTime"), 10, 64)
	require.NoError(t, err, "CreateTime is Unix seconds in a string")
	assert.InDelta(t, time.Now().Unix(), created, 300)
	assert.Equal(t, "600", str(t, tok, "Expires"))
	assert.NotEmpty(t, str(t, tok, "Scope"))
	assert.Equal(t, demoAppKey, str(t, tok, "AppKey"))
	assert.Equal(t, "Anonymous", str(t, tok, "UserID"))

	// §3.2: the visitor's ccmessaging-token.
	app := map[string]string{"x-app-key": demoAppKey, "Authorization": "Bearer " + c.access}
	applied := c.post(pathApplyToken, sampleApplyToken, app)
	c.session = str(t, applied, "token")
	assert.NotEmpty(t, c.session)
	assert.Equal(t, "0", str(t, applied, "resultCode"))

	// §7.2 CONNECT, then §5.2 poll: the robot's greeting.
	c.send(sampleConnect, "0", "connect to robot success.")
	msgs := c.poll()
	require.NotEmpty(t, msgs, "the greeting is there at once")
	checkDownlink(t, msgs[0], specUser, "ROBOT")
	assert.Equal(t, "欢迎欢迎，热烈欢迎", msgs[0]["content"])
	assert.Equal(t, "小C", msgs[0]["senderNickname"])

	// §7.2 CHAT 版本: the robot answers from the FAQ.
	c.send(sampleChat, "0", "Send message to robot successfully")
	answer := c.pollUntil("the robot answers 版本", func(m map[string]any) bool { return m["sourceType"] == "ROBOT" })
	checkDownlink(t, answer, specUser, "ROBOT")
	assert.True(t, strings.HasPrefix(answer["content"].(string), versionAnswer),
		"the answer to 版本, not the robot's fallback: %q", answer["content"])
	interIdx := str(t, answer, "interIdx")
	_, err = strconv.Atoi(interIdx)
	assert.NoError(t, err, "interIdx is a number in a string")
	if sq, ok := answer["simQuestions"].(string); ok {
		var similar []string
		assert.NoError(t, json.Unmarshal([]byte(sq), &similar), "simQuestions is a JSON array in a string: %q", sq)
	} else {
		assert.Nil(t, answer["simQuestions"], "simQuestions is a string or null")
	}

	// §10.2 with only the ccmessaging-token header.
	phrases := c.post(pathPhrase, samplePhrase, map[string]string{"ccmessaging-token": c.session})
	assert.Equal(t, "0", str(t, phrases, "resultCode"))
	question, ok := phrases["question"].([]any)
	require.True(t, ok, "question is an array: %v", phrases)
	require.NotEmpty(t, question)
	for _, q := range question {
		s, _ := q.(string)
		assert.True(t, strings.HasPrefix(s, "网格"), "suggestion %q starts with 网格", q)
	}

	// §17 on the robot's answer.
	fb := c.post(pathRobotFeedback, strings.Replace(sampleFeedback, `"interIdx":"2"`, `"interIdx":"`+interIdx+`"`, 1),
		map[string]string{"ccmessaging-token": c.session, "x-app-key": demoAppKey, "Authorization": "Bearer " + c.access})
	assert.Equal(t, "0", str(t, fb, "resultCode"))
	assert.Equal(t, "Send message to robot successfully", str(t, fb, "resultDesc"))

	// §7.2 TRANS2AGENT, then §4.2 while waiting.
	c.send(sampleTrans2Agent, "0", "transfer from robot to agent success.")
	qi := c.post(pathQueueInfo, sampleQueueInfo, map[string]string{"ccmessaging-token": c.session, "x-app-key": demoAppKey, "Authorization": "Bearer " + c.access})
	assert.Equal(t, "0", str(t, qi, "resultCode"))
	assert.EqualValues(t, 1, integer(t, qi, "position"))
	assert.EqualValues(t, 300, integer(t, qi, "configMaxcWaitTime"))
	for _, k := range []string{"totalWaitTime", "currentDeviceWaitTime", "longestWaitTime", "estimateWaitTime"} {
		assert.GreaterOrEqual(t, integer(t, qi, k), int64(0), k)
	}

	// An agent comes ready and routing hands them the conversation.
	ag := loginAgent(t, base, "agent1", "agent1-pass")
	ag.setStatus("READY")
	// §5.2's sample shows this very message: "已接通座席。" from 系统.
	connected := c.pollUntil("the agent is connected", func(m map[string]any) bool {
		return m["sourceType"] == "SYSTEM" && m["content"] == "已接通座席。"
	})
	checkDownlink(t, connected, specUser, "SYSTEM")
	assert.Equal(t, "系统", connected["senderNickname"])
	// A transfer now meets §7.1.1's "it has been agent service".
	c.send(sampleTrans2Agent, conversation.CodeFailed, conversation.DescTransferIsAgent)

	// §7.2 DISCONNECT from the agent, then §6.2's rating.
	c.send(strings.ReplaceAll(strings.ReplaceAll(sampleDisconnect, "session_1619573842490_user_1619573842490", specUser),
		"user_1619573842490", "user_1619573111751"), "0", "disconnect successfully")
	rated := c.post(pathSatisfaction, sampleSatisfaction, c.headers())
	assert.Equal(t, "0", str(t, rated, "returnCode"), "§6.2's sample answer")
	assert.Equal(t, "0", str(t, rated, "resultCode"))
	assert.Equal(t, conversation.DescSatisfactionOK, str(t, rated, "resultDesc"))
	again := c.post(pathSatisfaction, sampleSatisfaction, c.headers())
	assert.Equal(t, "13", str(t, again, "returnCode"), "a second rating")
	assert.Equal(t, conversation.DescSatisfactionNoCall, str(t, again, "resultDesc"))

	// §7.2's DISCONNECT sample is another visitor's, who only talked to the robot.
	d := &specClient{t: t, base: base, access: c.access}
	applied = d.post(pathApplyToken, strings.ReplaceAll(sampleApplyToken, "1619573111751", "1619573842490"), app)
	d.session = str(t, applied, "token")
	d.send(strings.ReplaceAll(sampleConnect, "1619573111751", "1619573842490"), "0", "connect to robot success.")
	d.send(sampleDisconnect, "0", "Disconnect robot successfully")
}
