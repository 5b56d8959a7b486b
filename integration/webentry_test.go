package integration

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// webSession is the chat page's view of the customer API: one web-session
// token from a web key, and never an app key or AccessToken.
type webSession struct {
	t    testing.TB
	base string
	// Token, UserID, … are the session endpoint's answer.
	Token           string `json:"token"`
	UserID          string `json:"userId"`
	UserName        string `json:"userName"`
	ChannelConfigID string `json:"channelConfigId"`
	SkillGroupID    int64  `json:"skillGroupId"`
	Locale          string `json:"locale"`
}

// openChatPage loads the page a chat URL names, then exchanges its key as
// the page's script does.
func openChatPage(t *testing.T, base, link string) *webSession {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	require.Equal(t, "/chat", u.Path)
	code, page := get(t, base+u.RequestURI())
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, `<script src="/chat/chat.js"`)

	key := u.Query().Get("key")
	s := &webSession{t: t, base: base}
	require.Equal(t, http.StatusOK, call(t, http.MethodPost, base+"/api/web/v1/session", nil, map[string]any{"key": key}, s))
	require.NotEmpty(t, s.Token)
	again := rawRequest(t, http.MethodPost, base+"/api/web/v1/session", nil, map[string]any{"key": key})
	require.Equal(t, http.StatusUnauthorized, again.status, "a key opens one session: %s", again.body)
	return s
}

func (s *webSession) headers() map[string]string {
	return map[string]string{"ccmessaging-token": s.Token}
}

func (s *webSession) send(controlType, content string) sendAnswer {
	s.t.Helper()
	var ans sendAnswer
	code := call(s.t, http.MethodPost, s.base+"/apiaccess/ccmessaging/send", s.headers(), map[string]any{
		"channel": "WEB", "controlType": controlType, "content": content, "from": s.UserID, "to": s.ChannelConfigID,
		"mediaType": "TEXT", "sourceType": "CUSTOMER", "senderNickname": s.UserName,
		"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10),
	}, &ans)
	require.Equal(s.t, http.StatusOK, code, "send %s: %+v", controlType, ans)
	return ans
}

// waitFor long-polls from cursor 0, as the page does after a reload, until a
// message of source with content arrives.
func (s *webSession) waitFor(source, content string) {
	s.t.Helper()
	eventually(s.t, 60*time.Second, source+" message "+content, func() error {
		var ans pollAnswer
		code := call(s.t, http.MethodGet, s.base+"/apiaccess/ccmessaging/poll?channel=WEB&wait=5&cursor=0&receiverId="+url.QueryEscape(s.UserID),
			s.headers(), nil, &ans)
		if code != http.StatusOK || ans.ResultCode != "0" {
			return fmt.Errorf("poll answered %d %s", code, ans.ResultCode)
		}
		for _, m := range ans.DownlinkMessages {
			if m.SourceType == source && strings.Contains(m.Content, content) {
				return nil
			}
		}
		return fmt.Errorf("not yet among %d messages", len(ans.DownlinkMessages))
	})
}

// startState decodes the state a conversation workflow was started with.
func TestGuestAndVisitorEntriesOpenTheChat(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())

	t.Run("guest entry", func(t *testing.T) {
		ans := rawRequest(t, http.MethodPost, n.url()+"/usr/guest/message/new", map[string]string{"lang": "en_US", "role": "MOBILE"},
			map[string]any{"vendorId": "demo", "siteId": "web", "name": "Wang Wu", "phoneNumber": "13812345678", "client_host": "cchd12.com"})
		require.Equal(t, http.StatusOK, ans.status, "%s", ans.body)
		obj := ans.object(t)
		require.Equal(t, "Data retrieved successfully", str(t, obj, "message"))
		link := str(t, obj, "data")
		require.True(t, strings.HasPrefix(link, n.url()+"/chat?key="), link)

		s := openChatPage(t, n.url(), link)
		require.True(t, strings.HasPrefix(s.UserID, "guest-"), s.UserID)
		require.Equal(t, "en", s.Locale)
		require.Equal(t, conversation.CodeOK, s.send("CONNECT", "").ResultCode)
		s.waitFor("ROBOT", "欢迎欢迎，热烈欢迎")
		require.Equal(t, conversation.CodeOK, s.send("CHAT", "版本").ResultCode)
		s.waitFor("ROBOT", "ccflow 1.0")
		require.Equal(t, conversation.CodeOK, s.send("DISCONNECT", "").ResultCode)
	})

	t.Run("visitor entry", func(t *testing.T) {
		product := `{"pid":1, "title":"Apple MacBook Air", "price":"¥7588.00"}`
		q := url.Values{"business_id": {"1"}, "groupid": {"12"}, "visiter_id": {"web-visitor-1"}, "visiter_name": {"Ann"}, "product": {product}}
		signEntry(q) // by the shop's backend: the chat is the shop's own user's
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(n.url() + "/index/index/home?" + q.Encode())
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusFound, resp.StatusCode)

		s := openChatPage(t, n.url(), resp.Header.Get("Location"))
		require.Equal(t, "web-visitor-1", s.UserID)
		require.EqualValues(t, 12, s.SkillGroupID)
		require.Equal(t, conversation.CodeOK, s.send("CONNECT", "").ResultCode)
		s.waitFor("ROBOT", "欢迎欢迎，热烈欢迎")

		var row models.Conversation
		require.NoError(t, openAppDB(t, n.dataDir).Where("user_id = ?", s.UserID).Take(&row).Error)
		require.EqualValues(t, 12, row.SkillGroupID, "the conversation starts in the chosen skill group")
		require.JSONEq(t, product, row.ProductCard, "the product card travels with the conversation")

		require.Equal(t, conversation.CodeOK, s.send("TRANS2AGENT", "").ResultCode)
		eventually(t, 30*time.Second, "queue position", func() error {
			var info struct {
				ResultCode string `json:"resultCode"`
				Position   int    `json:"position"`
			}
			code := call(t, http.MethodPost, n.url()+"/apiaccess/ccmessaging/queryQueueInfo", s.headers(),
				map[string]any{"userId": s.UserID, "channelConfigId": s.ChannelConfigID, "channel": "WEB"}, &info)
			if code != http.StatusOK || info.ResultCode != "0" || info.Position != 1 {
				return fmt.Errorf("answered %d %+v", code, info)
			}
			return nil
		})

		// The agent who takes the chat sees the product the visitor came about.
		ag := loginAgent(t, n.url(), "agent2", "agent2-pass")
		ag.setStatus("READY")
		assigned := ag.waitEvent("the assignment", func(e agentEvent) bool {
			return e.Type == "assigned" && e.Conversation != nil && e.Conversation.UserID == s.UserID
		})
		require.JSONEq(t, product, string(assigned.Conversation.ProductCard))
		code, conv := ag.do(http.MethodGet, "/conversations/"+assigned.ConversationID, nil)
		require.Equal(t, http.StatusOK, code)
		require.JSONEq(t, product, mustJSON(t, conv["productCard"]))
		require.Equal(t, conversation.CodeOK, s.send("DISCONNECT", "").ResultCode)
	})

	t.Run("generated visitor id is stable per browser", func(t *testing.T) {
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		browser := &http.Client{Jar: jar}
		var ids []string
		for range 2 {
			resp, err := browser.Get(n.url() + "/index/index/home?business_id=1")
			require.NoError(t, err)
			_, err = io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusOK, resp.StatusCode, "redirected to the page")
			ids = append(ids, openChatPage(t, n.url(), resp.Request.URL.String()).UserID)
		}
		require.Equal(t, ids[0], ids[1])
		require.Regexp(t, `^anon-[0-9a-f]{32}$`, ids[0])
	})
}
