package api

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/filestest"
	"github.com/ccflow/ccflow/models"
)

// hookEndpoint stores an enabled webhook endpoint of the tenant.
func (e *filesEnv) hookEndpoint(tenantID, secret string) models.WebhookEndpoint {
	e.t.Helper()
	ep := models.WebhookEndpoint{TenantID: tenantID, URL: "https://hooks.example.com/in", Secret: secret, Enabled: true,
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	require.NoError(e.t, e.db.Create(&ep).Error)
	return ep
}

// get GETs a link (absolute or a path) from the router.
func (e *filesEnv) get(link string) *http.Response {
	e.t.Helper()
	u, err := url.Parse(link)
	require.NoError(e.t, err)
	w := e.do(webCall{method: http.MethodGet, path: u.RequestURI()})
	return w.Result()
}

func TestWebhookFileLinkServesTheFileByteForByte(t *testing.T) {
	e := newFilesEnv(t)
	ann := demoVisitor("visitor-1")
	key := e.upload(visitorHeaders(t, e.issuer, ann), "png", filestest.Samples["png"])
	ep := e.hookEndpoint(ann.TenantID, "whsec-1")

	link := files.SignedLink(testPublicURL, ep.Secret, ep.ID, key, "png", time.Now().Add(time.Hour))
	require.True(t, strings.HasPrefix(link, testPublicURL+files.LinkPrefix), link)
	res := e.get(link)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "image/png", res.Header.Get("Content-Type"))
	body := readAll(t, res)
	require.Equal(t, filestest.Samples["png"], body)
}

func TestWebhookFileLinkRefusesWrongOrExpiredSignatures(t *testing.T) {
	e := newFilesEnv(t)
	ann := demoVisitor("visitor-1")
	key := e.upload(visitorHeaders(t, e.issuer, ann), "png", filestest.Samples["png"])
	other := e.upload(visitorHeaders(t, e.issuer, demoVisitor("visitor-2")), "png", filestest.Samples["png"])
	ep := e.hookEndpoint(ann.TenantID, "whsec-1")
	disabled := e.hookEndpoint(ann.TenantID, "whsec-2")
	require.NoError(t, e.db.Model(&disabled).Update("enabled", false).Error)
	good := files.SignedLink(testPublicURL, ep.Secret, ep.ID, key, "png", time.Now().Add(time.Hour))
	u, err := url.Parse(good)
	require.NoError(t, err)
	q := u.Query()
	sig, exp := q.Get(files.LinkSignature), q.Get(files.LinkExpires)
	flip := func(s string) string {
		if s[0] == '0' {
			return "1" + s[1:]
		}
		return "0" + s[1:]
	}
	with := func(path, exp, sig string) string {
		v := url.Values{}
		if exp != "" {
			v.Set(files.LinkExpires, exp)
		}
		if sig != "" {
			v.Set(files.LinkSignature, sig)
		}
		return path + "?" + v.Encode()
	}
	cases := map[string]string{
		"signature tampered":              with(u.Path, exp, flip(sig)),
		"expiry moved later":              with(u.Path, exp+"0", sig),
		"another file under the same sig": with(files.LinkPath(ep.ID, other, "png"), exp, sig),
		"another endpoint's path":         with(files.LinkPath(ep.ID+100, key, "png"), exp, sig),
		"no signature":                    with(u.Path, exp, ""),
		"no expiry":                       with(u.Path, "", sig),
		"expired":                         files.SignedLink("", ep.Secret, ep.ID, key, "png", time.Now().Add(-time.Second)),
		"signed with another secret":      files.SignedLink("", "not-the-secret", ep.ID, key, "png", time.Now().Add(time.Hour)),
		"endpoint disabled":               files.SignedLink("", disabled.Secret, disabled.ID, key, "png", time.Now().Add(time.Hour)),
		"endpoint id not a number":        with(files.LinkPrefix+"x/"+key+".png", exp, sig),
		// Whether the key exists or not, a bad signature reads the same.
		"unknown key": with(files.LinkPath(ep.ID, "00000000-0000-4000-8000-000000000000", "png"), exp, sig),
	}
	for name, link := range cases {
		t.Run(name, func(t *testing.T) {
			res := e.get(link)
			body := string(readAll(t, res))
			require.Equal(t, http.StatusForbidden, res.StatusCode, body)
			require.Contains(t, body, files.ErrLinkRefused.Error())
			require.NotContains(t, body, key)
		})
	}
	// The untouched link still works: the refusals were the tampering.
	require.Equal(t, http.StatusOK, e.get(good).StatusCode)
}

func TestWebhookFileLinkToARemovedFileIsGone(t *testing.T) {
	e := newFilesEnv(t)
	ann := demoVisitor("visitor-1")
	key := e.upload(visitorHeaders(t, e.issuer, ann), "txt", filestest.Samples["txt"])
	ep := e.hookEndpoint(ann.TenantID, "whsec-1")
	link := files.SignedLink(testPublicURL, ep.Secret, ep.ID, key, "txt", time.Now().Add(time.Hour))
	require.Equal(t, http.StatusOK, e.get(link).StatusCode)

	n, err := e.files.RemoveOlderThan(t.Context(), ann.TenantID, time.Now().Add(time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	res := e.get(link)
	body := string(readAll(t, res))
	require.Equal(t, http.StatusGone, res.StatusCode, body)
	require.Contains(t, body, "no longer kept")

	// Another tenant's endpoint, whose owner knows its own secret, gets the
	// same answer for this tenant's file as for a removed one: nothing.
	live := e.upload(visitorHeaders(t, e.issuer, ann), "txt", filestest.Samples["txt"])
	theirs := e.hookEndpoint(otherTenant, "their-secret")
	res = e.get(files.SignedLink("", theirs.Secret, theirs.ID, live, "txt", time.Now().Add(time.Hour)))
	require.Equal(t, http.StatusGone, res.StatusCode)
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	return b
}
