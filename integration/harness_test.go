// Package integration runs the real ccflow binary: the all-in-one on SQLite,
// the scaled-out roles against MariaDB, crashes and bad configuration.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// binary is the ccflow binary TestMain builds once for every test.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ccflow-it-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "ccflow")
	build := exec.Command("go", "build", "-o", binary, "../cmd/ccflow")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build ccflow:", err)
		os.Exit(1)
	}
	// Every call to ccflow is validated against the OpenAPI document, through
	// the default transport and the tests' own clients (contract_test.go).
	if contract, err = loadContract(); err != nil {
		fmt.Fprintln(os.Stderr, "load openapi/openapi.yaml:", err)
		os.Exit(1)
	}
	http.DefaultTransport = checked(http.DefaultTransport)
	code := m.Run()
	if !contract.report() && code == 0 {
		code = 1
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one running ccflow process.
type proc struct {
	t       testing.TB
	cmd     *exec.Cmd
	mu      sync.Mutex
	out     bytes.Buffer
	done    chan struct{}
	waitErr error
}

// lockedWriter lets the process write while the test reads.
type lockedWriter struct{ p *proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

// start runs ccflow with args and env (on top of a minimal environment).
func start(t testing.TB, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "CCFLOW_LOG_LEVEL=info"}
	contract.serves(env["CCFLOW_HTTP_ADDR"])
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = lockedWriter{p}, lockedWriter{p}
	require.NoError(t, cmd.Start())
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of %s %v:\n%s", filepath.Base(binary), args, p.output())
		}
	})
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// exit waits for the process to end by itself and returns its exit code.
func (p *proc) exit(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("process did not exit within %s; output:\n%s", timeout, p.output())
	}
	return p.cmd.ProcessState.ExitCode()
}

// terminate sends SIGTERM and returns how long the clean shutdown took.
func (p *proc) terminate() time.Duration {
	p.t.Helper()
	begin := time.Now()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGTERM))
	code := p.exit(30 * time.Second)
	require.Equal(p.t, 0, code, "clean shutdown exits 0; output:\n%s", p.output())
	return time.Since(begin)
}

// kill crashes the process.
func (p *proc) kill() {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGKILL))
	p.exit(10 * time.Second)
}

// handedOut holds every port freePort gave out in this test binary: a port
// is free when it is handed out but taken only when ccflow binds it, seconds
// later, and a parallel test must not be given it in between.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort returns a port nothing listens on right now and no other test was
// given, below the ephemeral range so that no outgoing connection takes it
// before ccflow binds it.
func freePort(t testing.TB) int {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 100 {
		p := 20000 + rand.IntN(12000)
		if handedOut.ports[p] {
			continue
		}
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			require.NoError(t, l.Close())
			handedOut.ports[p] = true
			return p
		}
	}
	t.Fatal("no free port found")
	return 0
}

// node is the addresses of one all-in-one instance.
type node struct {
	dataDir  string
	httpPort int
	tempPort int
	uiPort   int
}

func newNode(t testing.TB) node {
	return node{dataDir: t.TempDir(), httpPort: freePort(t), tempPort: freePort(t), uiPort: freePort(t)}
}

func (n node) env() map[string]string {
	return map[string]string{
		"CCFLOW_DATA_DIR":      n.dataDir,
		"CCFLOW_HTTP_ADDR":     "127.0.0.1:" + strconv.Itoa(n.httpPort),
		"CCFLOW_TEMPORAL_PORT": strconv.Itoa(n.tempPort),
		"CCFLOW_UI_PORT":       strconv.Itoa(n.uiPort),
		// The tests' webhook receivers listen on 127.0.0.1, which ccflow
		// refuses as a webhook target unless the operator allows it.
		"CCFLOW_WEBHOOK_ALLOW_PRIVATE": "true",
	}
}

func (n node) url() string { return "http://127.0.0.1:" + strconv.Itoa(n.httpPort) }

func (n node) temporal() string { return "127.0.0.1:" + strconv.Itoa(n.tempPort) }

// waitReady polls /readyz until it answers 200 and returns how long that took.
// waitOutput waits until ccflow has printed s: the start-up banner is
// printed once the API serves, so /readyz may answer a moment before it.
func waitOutput(t testing.TB, p *proc, s string) {
	t.Helper()
	eventually(t, 30*time.Second, "ccflow prints "+s, func() error {
		if !strings.Contains(p.output(), s) {
			return errNotYet
		}
		return nil
	})
}

func waitReady(t testing.TB, p *proc, base string) time.Duration {
	t.Helper()
	begin := time.Now()
	deadline := begin.Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("ccflow exited before it was ready:\n%s", p.output())
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(begin)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s/readyz never answered 200:\n%s", base, p.output())
	return 0
}

// rawAnswer is one HTTP answer as it came.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the answer as a JSON object, numbers kept as json.Number.
func (a rawAnswer) object(t testing.TB) map[string]any {
	t.Helper()
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&obj), "answer is a JSON object: %s", a.body)
	return obj
}

// rawRequest sends body as is: nil sends none, a string or []byte goes
// verbatim, anything else is JSON-encoded.
func rawRequest(t testing.TB, method, url string, headers map[string]string, body any) rawAnswer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(enc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawAnswer{status: resp.StatusCode, header: resp.Header, body: raw}
}

// call sends a JSON request and decodes a JSON answer.
func call(t testing.TB, method, url string, headers map[string]string, body any, out any) int {
	t.Helper()
	ans := rawRequest(t, method, url, headers, body)
	if out != nil {
		require.NoError(t, json.Unmarshal(ans.body, out), "answer: %s", ans.body)
	}
	return ans.status
}

// eventually retries f until it passes or the time is up.
func eventually(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
}

// lines splits output into lines, for checks on what the process printed.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// pendingTimers counts the timers a workflow's current run started and
// neither fired nor cancelled.
func pendingTimers(t testing.TB, temporalAddr, workflowID string) int {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: temporalAddr})
	require.NoError(t, err)
	defer c.Close()
	iter := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	pending := 0
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			pending++
		case enumspb.EVENT_TYPE_TIMER_FIRED, enumspb.EVENT_TYPE_TIMER_CANCELED:
			pending--
		}
	}
	return pending
}
