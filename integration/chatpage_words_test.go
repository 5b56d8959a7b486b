package integration

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/workflows/conversation"
)

// TestChatPageSaysResultsInItsOwnWords is issue 11's "result descriptions
// shown to people" on the chat page: a CONNECT outside the agents' hours
// answers the spec's English resultDesc, and the page shows the visitor its
// own words, in its language, and offers the leave-message form.
func TestChatPageSaysResultsInItsOwnWords(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	base := n.url()
	waitReady(t, p, base)
	b := newBrowser(t)

	// Agents work one minute a week, on a day three days from today, and
	// the robot is off: a CONNECT now is outside the working hours.
	day := strings.ToLower(time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 3).Weekday().String()[:3])
	adminKey, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	code := call(t, http.MethodPut, base+"/api/admin/v1/channel-configs/"+demoChannel,
		map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(adminKey))},
		map[string]any{"robotEnabled": false, "workingHours": day + " 00:00-00:01"}, nil)
	require.Equal(t, http.StatusOK, code)

	link := chatLink(t, base, url.Values{"business_id": {"1"}, "groupid": {"12"}, "visiter_id": {"words-visitor"}, "visiter_name": {"李雷"}})
	b.run("open the chat", chromedp.Navigate(base+link))
	b.waitJS("the page's own words", bubbles("system", "当前不在人工服务时间，您可以留言，我们会尽快联系您。")+` === 1`)
	b.waitJS("the leave-message form is offered", `!document.getElementById('leave-open').hidden`)
	page, err := eval[string](b, `document.getElementById('messages').textContent`)
	require.NoError(t, err)
	require.NotContains(t, page, conversation.DescNotWorkingHours, "never the API's English resultDesc")
	b.requireNoScriptErrors()
}
