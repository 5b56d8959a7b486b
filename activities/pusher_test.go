package activities

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/models"
)

func TestSignature(t *testing.T) {
	// As openssl computes it: printf 1700000000.{} | openssl dgst -sha256 -hmac secret
	require.Equal(t, "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163",
		Signature("secret", "1700000000", []byte("{}")))
}

func TestPushOfAMediaMessageCarriesASignedFileLink(t *testing.T) {
	var got []pushBody
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b pushBody
		require.NoError(t, json.NewDecoder(r.Body).Decode(&b))
		got = append(got, b)
	}))
	defer srv.Close()
	p := &Pusher{Client: srv.Client(), PublicURL: "https://chat.example.com/", FileLinkTTL: time.Hour}
	ep := models.WebhookEndpoint{ID: 7, URL: srv.URL, Secret: "whsec", Enabled: true}
	key := files.NewKey()
	image := models.ChatRecord{MessageCode: "m1", MediaType: "IMAGE", Content: files.Content(key, "png"), CreatedAt: time.Now()}
	text := models.ChatRecord{MessageCode: "m2", MediaType: "TEXT", Content: key + ",png", CreatedAt: time.Now()}
	require.NoError(t, p.post(t.Context(), ep, DeliverRequest{}, image, ""))
	require.NoError(t, p.post(t.Context(), ep, DeliverRequest{}, text, ""))
	require.Len(t, got, 2)
	require.Empty(t, got[1].FileURL, "a text message links no file")

	u, err := url.Parse(got[0].FileURL)
	require.NoError(t, err)
	require.Equal(t, "chat.example.com", u.Host)
	require.Equal(t, files.LinkPath(7, key, "png"), u.Path)
	q := u.Query()
	exp, err := strconv.ParseInt(q.Get(files.LinkExpires), 10, 64)
	require.NoError(t, err)
	require.InDelta(t, time.Now().Add(time.Hour).Unix(), exp, 5)
	require.NoError(t, files.VerifyLink("whsec", http.MethodGet, u.Path, q.Get(files.LinkExpires), q.Get(files.LinkSignature), time.Now()))
	require.ErrorIs(t, files.VerifyLink("other", http.MethodGet, u.Path, q.Get(files.LinkExpires), q.Get(files.LinkSignature), time.Now()), files.ErrLinkRefused)

	// Without a public URL (a scaled-out worker without CCFLOW_PUBLIC_URL) no link is sent.
	p.PublicURL = ""
	require.NoError(t, p.post(t.Context(), ep, DeliverRequest{}, image, ""))
	require.Empty(t, got[2].FileURL)
}
