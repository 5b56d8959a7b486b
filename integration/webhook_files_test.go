package integration

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files/filestest"
	"github.com/ccflow/ccflow/models"
)

// TestWebhookCarriesAFetchableFileLink: a visitor's image reaches a
// webhook receiver with a file_url that it GETs with nothing but the link,
// byte for byte; the same link with its signature changed is refused.
func TestWebhookCarriesAFetchableFileLink(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	db := openAppDB(t, n.dataDir)
	hook, hookURL := newHookReceiver(t, 0, false)
	require.NoError(t, db.Create(&models.WebhookEndpoint{TenantID: models.DemoTenantID, URL: hookURL, Secret: "file-link-secret", Enabled: true}).Error)

	v := newVisitor(t, n.url(), "hook-file-visitor")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	data := filestest.Sized("png", 70_000)
	var up struct{ ResultCode, ObjectKey string }
	code, err := postJSON(n.url()+"/apiaccess/ccmessaging/uploadFileStream", v.headers(),
		map[string]string{"fileType": "png", "channel": "WEB", "fileStream": base64.StdEncoding.EncodeToString(data)}, &up)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	var ans sendAnswer
	code, err = postJSON(n.url()+"/apiaccess/ccmessaging/send", v.headers(), map[string]any{
		"content": up.ObjectKey + ",png", "controlType": "CHAT", "from": v.id, "mediaType": "IMAGE",
		"sourceType": "CUSTOMER", "to": demoChannel, "channel": "WEB",
	}, &ans)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "%+v", ans)

	var link string
	eventually(t, 60*time.Second, "the image pushed with its link", func() error {
		for _, e := range hook.accepted() {
			if e.Content == up.ObjectKey+",png" && e.FileURL != "" {
				link = e.FileURL
				return nil
			}
		}
		return fmt.Errorf("not pushed yet: %d events", len(hook.accepted()))
	})
	require.True(t, strings.HasPrefix(link, n.url()+"/apiaccess/ccmessaging/webhookFiles/"), link)

	res, err := http.Get(link)
	require.NoError(t, err)
	got, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", got)
	require.Equal(t, "image/png", res.Header.Get("Content-Type"))
	require.Equal(t, data, got, "byte for byte")

	i := strings.Index(link, "signature=") + len("signature=")
	flipped := "0"
	if link[i] == '0' {
		flipped = "1"
	}
	res, err = http.Get(link[:i] + flipped + link[i+1:])
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, "0", v.send("DISCONNECT", "").ResultCode)
}
