package api

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/web"
)

func TestAgentConsoleIsServed(t *testing.T) {
	e := newWebEnv(t)
	for path, want := range map[string]struct{ typ, body string }{
		agentPagePath:                           {"text/html", `src="/agent/assets/main.js"`},
		agentPagePath + "/assets/main.js":       {"javascript", "/events"},
		agentPagePath + "/assets/console.css":   {"text/css", "#conv-list"},
		supervisorPagePath:                      {"text/html", `src="/agent/assets/supervisor.js"`},
		agentPagePath + "/assets/supervisor.js": {"javascript", "/supervisor/live"},
	} {
		w := e.do(webCall{method: http.MethodGet, path: path})
		require.Equal(t, http.StatusOK, w.Code, path)
		require.Contains(t, w.Header().Get("Content-Type"), want.typ, path)
		require.Contains(t, w.Body.String(), want.body, path)
		csp := w.Header().Get("Content-Security-Policy")
		require.Contains(t, csp, "default-src 'self'", path)
		require.Contains(t, csp, "frame-ancestors 'none'", path)
		require.NotContains(t, csp, "unsafe-inline", path)
		require.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"), path)
	}
	require.Equal(t, "no-store", e.do(webCall{method: http.MethodGet, path: agentPagePath}).Header().Get("Cache-Control"))
	require.Equal(t, "no-store", e.do(webCall{method: http.MethodGet, path: supervisorPagePath}).Header().Get("Cache-Control"))

	for _, path := range []string{"/agent/assets/nope.js", "/agent/assets/index.html", "/agent/assets/..%2fchat%2fchat.js", "/agent/assets/Main.js"} {
		require.Equal(t, http.StatusNotFound, e.do(webCall{method: http.MethodGet, path: path}).Code, path)
	}
}

// TestAgentConsoleNeverInsertsMarkup reads every file of the console: text
// reaches the page through textContent and text nodes only.
func TestAgentConsoleNeverInsertsMarkup(t *testing.T) {
	files, err := fs.Glob(web.Static(), "agent/*")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	unsafe := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|<script>|style=`)
	for _, f := range files {
		b, err := fs.ReadFile(web.Static(), f)
		require.NoError(t, err)
		require.False(t, unsafe.Match(b), "%s: %s", f, unsafe.Find(b))
		if strings.HasSuffix(f, ".js") {
			require.True(t, pageAssetName.MatchString(strings.TrimPrefix(f, "agent/")), "%s must be servable", f)
		}
	}
}
