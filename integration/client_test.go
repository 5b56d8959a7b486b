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

// visitor talks to the customer API the way the spec's samples do.
type visitor struct {
	t    *testing.T
	base string
	id   string
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

func (v visitor) send(controlType, content string) sendAnswer {
	v.t.Helper()
	body := map[string]any{
		"content": content, "controlType": controlType, "from": v.id, "mediaType": "TEXT",
		"senderNickname": "user_" + v.id, "sourceType": "CUSTOMER",
		"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10), "to": demoChannel,
		"userAgent": nil, "senderAvatar": nil, "channel": "WEB",
	}
	var ans sendAnswer
	code := call(v.t, http.MethodPost, v.base+"/apiaccess/ccmessaging/send", map[string]string{"x-app-key": demoAppKey}, body, &ans)
	require.Equal(v.t, http.StatusOK, code, "send %s: %+v", controlType, ans)
	return ans
}

func (v visitor) poll() []downlink {
	v.t.Helper()
	var ans pollAnswer
	code := call(v.t, http.MethodGet, v.base+"/apiaccess/ccmessaging/poll?channel=WEB&receiverId="+v.id,
		map[string]string{"x-app-key": demoAppKey}, nil, &ans)
	require.Equal(v.t, http.StatusOK, code)
	require.Equal(v.t, "0", ans.ResultCode)
	return ans.DownlinkMessages
}

// waitGreeting polls until the robot's greeting has arrived.
func (v visitor) waitGreeting() downlink {
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
