package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files/filestest"
)

// agentUpload posts a file to the agent API and answers the message
// content ("objectKey,type") and mediaType to send it with.
func (a *agent) upload(name string, data []byte) (content, mediaType string) {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(a.t, err)
	_, err = fw.Write(data)
	require.NoError(a.t, err)
	require.NoError(a.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, a.base+"/api/agent/v1/files", &body)
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer func() { require.NoError(a.t, res.Body.Close()) }()
	raw, err := io.ReadAll(res.Body)
	require.NoError(a.t, err)
	require.Equal(a.t, http.StatusOK, res.StatusCode, string(raw))
	var out struct{ Content, MediaType string }
	require.NoError(a.t, json.Unmarshal(raw, &out))
	return out.Content, out.MediaType
}

// fetch downloads a file of a conversation through the agent API.
func (a *agent) fetch(content string) (int, []byte) {
	a.t.Helper()
	ans := rawRequest(a.t, http.MethodGet, a.base+"/api/agent/v1/files/"+url.PathEscape(content), a.headers(), nil)
	return ans.status, ans.body
}

// TestFilesInTheChatPageAndTheConsole sends files both ways through the
// real binary: the visitor picks a picture in the chat page (upload, send),
// the agent's feed carries it and the agent API hands it over byte for
// byte; the agent's audio and text file show in the page as a player and a
// download link, and the page's image is really drawn.
func TestFilesInTheChatPageAndTheConsole(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	b := newBrowser(t)
	a1 := loginAgent(t, base, "agent1", "agent1-pass")
	a1.setStatus("NOT_READY")

	link := chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"12"}, "visiter_id": {"file-visitor"}, "visiter_name": {"韩梅梅"}})
	b.run("open the chat", chromedp.Navigate(base+link))
	b.waitText("#status", "智能客服为您服务")
	b.run("ask for an agent", chromedp.Click(chromedp.CSS("#agent")))
	b.waitText("#status", "排队中")
	a1.setStatus("READY")
	convID := a1.waitAssigned("file-visitor")
	b.waitText("#status", "人工客服为您服务")

	png := filepath.Join(t.TempDir(), "photo.png")
	require.NoError(t, os.WriteFile(png, filestest.Samples["png"], 0o600))
	b.run("pick a picture", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{png}))
	e := a1.waitEvent("the visitor's picture", func(e agentEvent) bool {
		return e.Type == "message" && e.Message != nil && strings.HasSuffix(e.Message.Content, ",png")
	})
	b.waitJS("the picture is drawn in the page", `(() => { const i = document.querySelector('#messages li.out .media img'); return i && i.src.startsWith('blob:') && i.complete && i.naturalWidth === 1; })()`)
	code, data := a1.fetch(e.Message.Content)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, filestest.Samples["png"], data, "the agent gets the visitor's file byte for byte")

	content, media := a1.upload("voice.mp3", filestest.Samples["mp3"])
	require.Equal(t, "AUDIO", media)
	code, _ = a1.do(http.MethodPost, "/conversations/"+convID+"/messages", map[string]string{"content": content, "mediaType": media})
	require.Equal(t, http.StatusOK, code)
	b.waitJS("the agent's audio plays in the page", `(() => { const a = document.querySelector('#messages li.agent .media audio'); return a && a.src.startsWith('blob:'); })()`)
	content, media = a1.upload("order.txt", filestest.Samples["txt"])
	require.Equal(t, "FILE", media)
	code, _ = a1.do(http.MethodPost, "/conversations/"+convID+"/messages", map[string]string{"content": content, "mediaType": media})
	require.Equal(t, http.StatusOK, code)
	b.waitJS("the agent's text file is a download link", `(() => { const a = document.querySelector('#messages li.agent .media a[download]'); return a && a.href.startsWith('blob:'); })()`)
	name, err := eval[string](b, `document.querySelector('#messages li.agent .media a[download]').download`)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(name, ".txt"), name)
	b.screenshot("chat-page-files")
	b.requireNoScriptErrors()

	// Another agent who never served the conversation gets nothing.
	a2 := loginAgent(t, base, "agent2", "agent2-pass")
	code, _ = a2.fetch(e.Message.Content)
	require.Equal(t, http.StatusForbidden, code)
}
