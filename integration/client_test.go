package integration

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client"
)

const (
	demoAppKey  = "demo-app-key"
	demoChannel = "1011577355744904195"
)

// visitor talks to the customer API the way the spec's samples do: an
// AccessToken from AK/SK, a ccmessaging-token from applyToken, then the calls.
type visitor struct {
	t       testing.TB
	base    string
	id      string
	access  string
	session string
}

// newVisitor obtains the visitor's tokens through the generated Go client
// (package client), as an integrator's backend would, so that every run
// exercises the client against the real server.
func newVisitor(t testing.TB, base, id string) *visitor {
	t.Helper()
	v := &visitor{t: t, base: base, id: id}
	api, err := client.NewClientWithResponses(base)
	require.NoError(t, err)
	ctx := context.Background()
	expire := "600"
	tok, err := api.TokenByAkSkWithResponse(ctx, &client.TokenByAkSkParams{XTokenExpire: &expire},
		client.TokenByAkSkJSONRequestBody{AppKey: demoAppKey, AppSecret: "demo-app-secret"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, tok.StatusCode(), "tokenByAkSk: %s", tok.Body)
	require.NotEmpty(t, tok.JSON200.AccessToken)
	v.access = tok.JSON200.AccessToken
	applied, err := api.ApplyTokenWithResponse(ctx, client.ApplyTokenJSONRequestBody{
		UserId: id, UserName: "user_" + id, ChannelId: demoChannel, Locale: "zh",
	}, func(_ context.Context, req *http.Request) error {
		for k, val := range v.appHeaders() {
			req.Header.Set(k, val)
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, applied.StatusCode(), "applyToken: %s", applied.Body)
	require.Equal(t, client.ApplyToken200JSONResponseBodyResultCode("0"), applied.JSON200.ResultCode)
	v.session = applied.JSON200.Token
	return v
}

func (v *visitor) appHeaders() map[string]string {
	return map[string]string{"x-app-key": demoAppKey, "Authorization": "Bearer " + v.access}
}

func (v *visitor) headers() map[string]string {
	h := v.appHeaders()
	h["ccmessaging-token"] = v.session
	return h
}

type sendAnswer struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
}

type downlink struct {
	Content     string `json:"content"`
	SourceType  string `json:"sourceType"`
	From        string `json:"from"`
	To          string `json:"to"`
	MessageCode string `json:"messageCode"`
	Seq         int64  `json:"seq"`
}

type pollAnswer struct {
	ResultCode       string     `json:"resultCode"`
	DownlinkMessages []downlink `json:"downlinkMessages"`
}

func (v *visitor) send(controlType, content string) sendAnswer {
	v.t.Helper()
	body := map[string]any{
		"content": content, "controlType": controlType, "from": v.id, "mediaType": "TEXT",
		"senderNickname": "user_" + v.id, "sourceType": "CUSTOMER",
		"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10), "to": demoChannel,
		"userAgent": nil, "senderAvatar": nil, "channel": "WEB",
	}
	var ans sendAnswer
	code := call(v.t, http.MethodPost, v.base+"/apiaccess/ccmessaging/send", v.headers(), body, &ans)
	require.Equal(v.t, http.StatusOK, code, "send %s: %+v", controlType, ans)
	return ans
}

// poll reads with cursor 0, so it sees every message the conversation keeps.
func (v *visitor) poll() []downlink {
	v.t.Helper()
	var ans pollAnswer
	code := call(v.t, http.MethodGet, v.base+"/apiaccess/ccmessaging/poll?channel=WEB&cursor=0&receiverId="+v.id,
		v.headers(), nil, &ans)
	require.Equal(v.t, http.StatusOK, code)
	require.Equal(v.t, "0", ans.ResultCode)
	return ans.DownlinkMessages
}

// waitGreeting polls until the robot's greeting has arrived.
func (v *visitor) waitGreeting() downlink {
	v.t.Helper()
	var got downlink
	eventually(v.t, 30*time.Second, "robot greeting delivered by poll", func() error {
		for _, m := range v.poll() {
			if m.SourceType == "ROBOT" && m.Content == "欢迎欢迎，热烈欢迎" {
				got = m
				return nil
			}
		}
		return fmt.Errorf("no greeting yet")
	})
	return got
}
