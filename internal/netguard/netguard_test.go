package netguard

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPublic(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1", "fc00::5",
		"169.254.169.254", "fe80::1", "0.0.0.0", "::", "100.64.0.1", "224.0.0.1", "ff02::1", "255.255.255.255",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "192.0.2.1",
	} {
		require.False(t, Public(netip.MustParseAddr(s)), s)
	}
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "172.32.0.1", "64:ff9b::808:808"} {
		require.True(t, Public(netip.MustParseAddr(s)), s)
	}
}

func TestCheckURL(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:8080/hook", "http://[::1]/", "http://169.254.169.254/latest/meta-data/", "https://10.0.0.5/x",
		"http://localhost/", "http://LOCALHOST./", "http://api.localhost/", "http://metadata.google.internal/", "http://printer.local/",
		"http://intranet/", "http://[fe80::1%25eth0]/",
	} {
		require.ErrorIs(t, CheckURL(u, false), ErrForbiddenAddress, u)
		require.NoError(t, CheckURL(u, true), "the operator may allow %s", u)
	}
	for _, u := range []string{"https://hooks.example.com/ccflow", "http://93.184.216.34/x", "https://[2606:4700:4700::1111]/"} {
		require.NoError(t, CheckURL(u, false), u)
	}
}

func TestGuardRefusesToConnectToLoopbackUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(srv.Close)
	base := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	guarded := Guard(base, false)
	_, err := guarded.Post(srv.URL, "application/json", nil)
	require.ErrorIs(t, err, ErrForbiddenAddress, "the check is on the address connected to")
	// A name that resolves to loopback, as a rebound DNS name would, is refused the same way.
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	_, err = guarded.Post("http://localhost:"+port+"/", "application/json", nil)
	require.ErrorIs(t, err, ErrForbiddenAddress)

	allowed := Guard(base, true)
	resp, err := allowed.Post(srv.URL, "application/json", nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, base.Timeout, guarded.Timeout, "the client's own settings are kept")
	require.NotNil(t, guarded.CheckRedirect)
	require.Nil(t, base.Transport, "the client given is not changed")
}
