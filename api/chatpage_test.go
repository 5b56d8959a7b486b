package api

import (
	"io/fs"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/web"
)

func TestChatPageModulesAreServed(t *testing.T) {
	e := newWebEnv(t)
	files, err := fs.Glob(web.Static(), "chat/*.js")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 2)
	unsafe := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(`)
	for _, f := range files {
		w := e.do(webCall{method: http.MethodGet, path: "/" + f})
		require.Equal(t, http.StatusOK, w.Code, f)
		require.Contains(t, w.Header().Get("Content-Type"), "javascript", f)
		require.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'self'", f)
		require.False(t, unsafe.MatchString(w.Body.String()), "%s sets text only: %s", f, unsafe.FindString(w.Body.String()))
	}
	for _, path := range []string{"/chat/nope.js", "/chat/chat.html", "/chat/..%2fagent%2fmain.js", "/chat/Chat.js"} {
		require.Equal(t, http.StatusNotFound, e.do(webCall{method: http.MethodGet, path: path}).Code, path)
	}
}
