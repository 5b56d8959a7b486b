package integration

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBadConfiguration checks that each misconfiguration ends with one clear
// line naming what failed and where, a non-zero exit, and no stack trace.
func TestBadConfiguration(t *testing.T) {
	blocker, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer blocker.Close()
	busy := strconv.Itoa(blocker.Addr().(*net.TCPAddr).Port)
	notADir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notADir, []byte("x"), 0o600))

	cases := []struct {
		name string
		args []string
		env  func(n node) map[string]string
		want string
	}{
		{"unknown driver", nil, func(n node) map[string]string {
			return with(n.env(), "CCFLOW_DB_DRIVER", "oracle")
		}, `unknown CCFLOW_DB_DRIVER "oracle" (want sqlite or mysql)`},
		{"malformed DSN", nil, func(n node) map[string]string {
			return with(with(n.env(), "CCFLOW_DB_DRIVER", "mysql"), "CCFLOW_DB_DSN", "root@tcp(127.0.0.1:3306/test")
		}, "CCFLOW_DB_DSN"},
		{"unreachable MySQL", []string{"migrate"}, func(n node) map[string]string {
			return with(with(n.env(), "CCFLOW_DB_DRIVER", "mysql"), "CCFLOW_DB_DSN", "root:secret@tcp(127.0.0.1:1)/test")
		}, "127.0.0.1:1"},
		{"schema older than the binary", []string{"server"}, func(n node) map[string]string {
			return with(n.env(), "CCFLOW_TEMPORAL_ADDRESS", "127.0.0.1:1")
		}, "run `ccflow migrate` with the same CCFLOW_DB_DRIVER and CCFLOW_DB_DSN"},
		{"server without Temporal", []string{"server"}, func(n node) map[string]string {
			return n.env()
		}, "ccflow server needs CCFLOW_TEMPORAL_ADDRESS"},
		{"API port in use", nil, func(n node) map[string]string {
			return with(n.env(), "CCFLOW_HTTP_ADDR", "127.0.0.1:"+busy)
		}, "CCFLOW_HTTP_ADDR: cannot listen on 127.0.0.1:" + busy},
		{"Temporal port in use", nil, func(n node) map[string]string {
			return with(n.env(), "CCFLOW_TEMPORAL_PORT", busy)
		}, "CCFLOW_TEMPORAL_PORT: cannot listen on 127.0.0.1:" + busy},
		{"UI port in use", nil, func(n node) map[string]string {
			return with(n.env(), "CCFLOW_UI_PORT", busy)
		}, "CCFLOW_UI_PORT: cannot listen on 127.0.0.1:" + busy},
		{"unwritable data directory", nil, func(n node) map[string]string {
			return with(n.env(), "CCFLOW_DATA_DIR", filepath.Join(notADir, "data"))
		}, "CCFLOW_DATA_DIR"},
		{"bad port number", nil, func(n node) map[string]string {
			return with(n.env(), "CCFLOW_TEMPORAL_PORT", "70000")
		}, "CCFLOW_TEMPORAL_PORT must be a port number"},
		{"unknown command", []string{"serve"}, func(n node) map[string]string {
			return n.env()
		}, `unknown command "serve"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, tc.env(newNode(t)), tc.args...)
			code := p.exit(60 * time.Second)
			out := p.output()
			require.NotEqual(t, 0, code, "exits non-zero")
			require.NotContains(t, out, "goroutine ", "no stack trace")
			require.NotContains(t, out, "panic")
			require.NotContains(t, out, "secret", "the password never shows")
			var errLine string
			for _, l := range lines(out) {
				if strings.HasPrefix(l, "ccflow: ") {
					require.Empty(t, errLine, "one error line, got a second: %s", l)
					errLine = l
				}
			}
			require.Contains(t, errLine, tc.want, "output:\n%s", out)
		})
	}
}

func with(env map[string]string, k, v string) map[string]string {
	env[k] = v
	return env
}

// TestUnreachableTemporalCluster: on a migrated database, a worker pointed at
// a cluster nobody answers at stops with one line naming it; a server
// serves, and its /readyz answers 503 naming the cluster.
func TestUnreachableTemporalCluster(t *testing.T) {
	n := newNode(t)
	migrate := start(t, n.env(), "migrate")
	require.Equal(t, 0, migrate.exit(time.Minute), migrate.output())

	worker := start(t, with(n.env(), "CCFLOW_TEMPORAL_ADDRESS", "127.0.0.1:1"), "worker")
	require.NotEqual(t, 0, worker.exit(time.Minute))
	require.Contains(t, worker.output(), "cannot reach Temporal at 127.0.0.1:1")

	server := start(t, with(n.env(), "CCFLOW_TEMPORAL_ADDRESS", "127.0.0.1:1"), "server")
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	eventually(t, time.Minute, "/readyz answers", func() error {
		select {
		case <-server.done:
			t.Fatalf("the server exited:\n%s", server.output())
		default:
		}
		ans, err := http.Get(n.url() + "/readyz")
		if err != nil {
			return err
		}
		defer ans.Body.Close()
		require.Equal(t, http.StatusServiceUnavailable, ans.StatusCode)
		return json.NewDecoder(ans.Body).Decode(&ready)
	})
	require.Equal(t, "not ready", ready.Status)
	require.Contains(t, ready.Checks["temporal"], "Temporal at 127.0.0.1:1 (namespace default)")
	require.Equal(t, "ok", ready.Checks["database"])
	server.terminate()
}
