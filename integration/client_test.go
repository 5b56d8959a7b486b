package integration

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

// newVisitor obtains the visitor's tokens, in Chinese.
func newVisitor(t testing.TB, base, id string) *visitor {
	t.Helper()
	return newVisitorIn(t, base, id, "zh")
}

// newVisitorIn obtains the visitor's tokens with applyToken's locale.
func newVisitorIn(t testing.TB, base, id, locale string) *visitor {
	t.Helper()
	v := &visitor{t: t, base: base, id: id}
	var tok struct {
		AccessToken string `json:"AccessToken"`
	}
	code := call(t, http.MethodPost, base+"/apigovernance/api/oauth/tokenByAkSk", map[string]string{"X-Token-Expire": "600"},
		map[string]any{"app_key": demoAppKey, "app_secret": "demo-app-secret"}, &tok)
	require.Equal(t, http.StatusOK, code)
	require.NotEmpty(t, tok.AccessToken)
	v.access = tok.AccessToken
	var applied struct {
		Token      string `json:"token"`
		ResultCode string `json:"resultCode"`
	}
	code = call(t, http.MethodPost, base+"/apiaccess/ccmessaging/applyToken", v.appHeaders(),
		map[string]any{"userId": id, "userName": "user_" + id, "channelId": demoChannel, "locale": locale}, &applied)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "0", applied.ResultCode)
	v.session = applied.Token
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
