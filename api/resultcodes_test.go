package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Each spec 003 operation answers its failures with the resultCode its
// table defines, and an HTTP status that says what kind of failure it was.
func TestResultCodesPerOperation(t *testing.T) {
	e := newChatEnv(t)
	s, _ := e.enter(signedQuery("demo-app-secret", "coded-1", e.clock.now().Unix()))
	require.Equal(t, http.StatusOK, s.send("CONNECT", "").Code)
	satisfaction := `{"channel":"WEB","userId":"coded-1","evaluation":"5","channelConfigId":"` + s.ChannelConfigID + `"`
	for name, tc := range map[string]struct {
		method, path, body string
		noToken            bool
		status             int
		code, desc         string
	}{
		"applyToken without credentials": {http.MethodPost, applyTokenPath, `{}`, true, 401, "1", "x-app-key header is required"},
		"send for another user": {http.MethodPost, "/apiaccess/ccmessaging/send",
			sendBodyFor(t, "someone-else", s.ChannelConfigID), false, 403, "13", "the token belongs to another user"},
		"send without a token": {http.MethodPost, "/apiaccess/ccmessaging/send", `{}`, true, 401, "13", "ccmessaging-token header is required"},
		"send of 2001 characters": {http.MethodPost, "/apiaccess/ccmessaging/send",
			`{"channel":"WEB","controlType":"CHAT","content":"` + strings.Repeat("汉", maxUplinkChars+1) + `","from":"coded-1","to":"` + s.ChannelConfigID +
				`","mediaType":"TEXT","sourceType":"CUSTOMER"}`, false, 400, "13", "content must be at most 2000 characters"},
		"send of 2000 characters": {http.MethodPost, "/apiaccess/ccmessaging/send",
			`{"channel":"WEB","controlType":"CHAT","content":"` + strings.Repeat("汉", maxUplinkChars) + `","from":"coded-1","to":"` + s.ChannelConfigID +
				`","mediaType":"TEXT","sourceType":"CUSTOMER"}`, false, 200, "0", ""},
		"saveSatisfaction without comment": {http.MethodPost, "/apiaccess/ccmessaging/saveSatisfaction", satisfaction + `}`, false, 400, "13", "comment is required"},
		"saveSatisfaction with a null comment": {http.MethodPost, "/apiaccess/ccmessaging/saveSatisfaction", satisfaction + `,"comment":null}`, false,
			400, "13", "comment is required"},
		"saveSatisfaction with an empty comment, no agent": {http.MethodPost, "/apiaccess/ccmessaging/saveSatisfaction", satisfaction + `,"comment":""}`, false,
			200, "13", "The callIdString obtained failed!"},
		"queryQueueInfo for another user": {http.MethodPost, "/apiaccess/ccmessaging/queryQueueInfo",
			`{"userId":"someone-else","channelConfigId":"` + s.ChannelConfigID + `","channel":"WEB"}`, false, 403, "1", "another user"},
		"queryPhraseByKeyword unknown locale": {http.MethodPost, "/apiaccess/ccmessaging/queryPhraseByKeyword",
			`{"strContent":"网格","locale":"fr","channel":"WEB"}`, false, 400, "1", "locale is error"},
		"queryPhraseByKeyword known locale": {http.MethodPost, "/apiaccess/ccmessaging/queryPhraseByKeyword",
			`{"strContent":"网格","locale":"zh","channel":"WEB"}`, false, 200, "0", ""},
		"doLeaveMessage empty": {http.MethodPost, "/apiaccess/ccmessaging/doLeaveMessage",
			`{"callId":"coded-1","caller":"","leaveMessage":"hi","channel":"WEB"}`, false, 400, "2", "parameter is empty: caller"},
		"doLeaveMessage wrong": {http.MethodPost, "/apiaccess/ccmessaging/doLeaveMessage",
			`{"callId":"coded-1","caller":"call me","leaveMessage":"hi","channel":"WEB"}`, false, 400, "3", "caller must be"},
		"doLeaveMessage for another user": {http.MethodPost, "/apiaccess/ccmessaging/doLeaveMessage",
			`{"callId":"someone-else","caller":"13866677777","leaveMessage":"hi","channel":"WEB"}`, false, 403, "13", "another user"},
		"robot feedback without a token": {http.MethodPost, "/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction",
			`{}`, true, 401, "10010000001", "ccmessaging-token header is required"},
		"robot feedback for another user": {http.MethodPost, "/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction",
			`{"feedback":1,"from":"someone-else","interIdx":"1"}`, false, 403, "30010009999", "another user"},
		"poll with a bad cursor": {http.MethodGet, "/apiaccess/ccmessaging/poll?cursor=x", "", false, 400, "400", "cursor"},
	} {
		t.Run(name, func(t *testing.T) {
			headers := map[string]string{VisitorTokenHeader: s.Token}
			if tc.noToken {
				headers = nil
			}
			w := e.do(webCall{method: tc.method, path: tc.path, body: tc.body, headers: headers})
			require.Equal(t, tc.status, w.Code, w.Body.String())
			code, desc := envelope(t, w)
			require.Equal(t, tc.code, code, desc)
			require.Contains(t, desc, tc.desc)
		})
	}
}

func TestResultCodeMapping(t *testing.T) {
	feedback := "/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction"
	require.Equal(t, "10010000002", resultCode(feedback, &apiError{http.StatusTooManyRequests, "429", ""}), "the table's rate-limit code")
	require.Equal(t, "30010009999", resultCode(feedback, &apiError{http.StatusServiceUnavailable, "503", ""}))
	require.Equal(t, "2", resultCode("/apiaccess/ccmessaging/doLeaveMessage", &apiError{http.StatusBadRequest, "2", ""}),
		"a code a handler chose for the spec's finer distinction is kept")
	require.Equal(t, "503", resultCode("/apiaccess/ccmessaging/poll", &apiError{http.StatusServiceUnavailable, "503", ""}),
		"a table that defines no code: the status")
	require.Equal(t, "4011", resultCode("/api/v1/:appid/leavemessage", &apiError{http.StatusUnauthorized, "4011", ""}), "spec 002 keeps its own")
}
