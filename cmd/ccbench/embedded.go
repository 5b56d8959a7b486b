package main

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// readyTimeout bounds the all-in-one's start: a first start sets up the
// Temporal schema and the demo data.
const readyTimeout = 3 * time.Minute

// stopTimeout is how long the child gets to shut down cleanly after SIGTERM.
const stopTimeout = 30 * time.Second

// child is the all-in-one ccflow that -embedded runs in a temporary directory.
type child struct {
	dir      string
	dataDir  string
	logPath  string
	url      string
	adminKey string
	// temporalAddr is the embedded Temporal frontend, in namespace defaultNamespace.
	temporalAddr string

	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{}
	waitErr error
}

// startEmbedded builds ccflow unless a binary is given, then starts it on
// free ports with a fresh data directory and its own admin key.
func startEmbedded(ctx context.Context, cfg config, prog *progress) (*child, error) {
	dir, err := os.MkdirTemp("", "ccbench-*")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	c := &child{dir: dir, dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "ccflow.log"), done: make(chan struct{})}
	bin := cfg.CCFlowBin
	if bin == "" {
		if bin, err = buildCCFlow(ctx, dir, prog); err != nil {
			return c, err
		}
	}
	c.adminKey = cfg.AdminKey
	if c.adminKey == "" {
		c.adminKey = crand.Text() + crand.Text()
	}
	ports, err := freePorts(2)
	if err != nil {
		return c, err
	}
	httpAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	c.url = "http://" + httpAddr
	c.temporalAddr = "127.0.0.1:" + strconv.Itoa(ports[1])
	if c.logFile, err = os.Create(c.logPath); err != nil {
		return c, fmt.Errorf("ccflow log: %w", err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(environWithout("CCFLOW_"),
		"CCFLOW_DATA_DIR="+c.dataDir,
		"CCFLOW_HTTP_ADDR="+httpAddr,
		"CCFLOW_TEMPORAL_PORT="+strconv.Itoa(ports[1]),
		"CCFLOW_UI_PORT=0",
		"CCFLOW_ADMIN_KEY="+c.adminKey,
	)
	if cfg.PprofAddr != "" {
		cmd.Env = append(cmd.Env, "CCFLOW_PPROF_ADDR="+cfg.PprofAddr)
	}
	cmd.Stdout, cmd.Stderr = c.logFile, c.logFile
	// Its own process group keeps a terminal's Ctrl-C away from the child:
	// ccbench still needs it to take its agents offline, then stops it.
	// Pdeathsig ends it should ccbench itself be killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return c, fmt.Errorf("start %s: %w", bin, err)
	}
	c.cmd = cmd
	go func() {
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// buildCCFlow builds ./cmd/ccflow of the module that holds the working
// directory into dir.
func buildCCFlow(ctx context.Context, dir string, prog *progress) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w (pass -ccflow PATH to use a built binary)", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("the working directory is not inside the ccflow module: run ccbench from the repository or pass -ccflow PATH")
	}
	root := filepath.Dir(gomod)
	if _, err := os.Stat(filepath.Join(root, "cmd", "ccflow")); err != nil {
		return "", fmt.Errorf("%s has no cmd/ccflow: run ccbench from the ccflow repository or pass -ccflow PATH", root)
	}
	bin := filepath.Join(dir, "ccflow")
	prog.note("building ccflow (go build -o %s ./cmd/ccflow in %s)", bin, root)
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ccflow")
	build.Dir = root
	build.Stdout, build.Stderr = prog.w, prog.w
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ccflow: %w", err)
	}
	return bin, nil
}

// waitReady polls /readyz until it answers 200, the child exits, or the
// timeout passes.
func (c *child) waitReady(ctx context.Context, hc *http.Client) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		select {
		case <-c.done:
			return fmt.Errorf("ccflow exited before it was ready (%v); last lines of %s:\n%s", c.waitErr, c.logPath, c.logTail(20))
		default:
		}
		if err := checkReady(ctx, hc, c.url); err == nil {
			return nil
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("ccflow not ready after %s; last lines of %s:\n%s", readyTimeout, c.logPath, c.logTail(20))
		}
	}
}

// checkReady asks /readyz once.
func checkReady(ctx context.Context, hc *http.Client, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, 4096))
	cerr := resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/readyz: HTTP %d: %s", base, resp.StatusCode, bytes.TrimSpace(body))
	}
	return errors.Join(rerr, cerr)
}

// peakRSS is the child's peak resident set (VmHWM), as /proc shows it.
func (c *child) peakRSS() (string, error) {
	if c.cmd == nil {
		return "", errors.New("ccflow is not running")
	}
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(c.cmd.Process.Pid), "status"))
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no VmHWM in /proc status")
}

// exited says whether the child has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits; a child that does not stop in time is killed.
func (c *child) stop() error {
	if c.cmd == nil {
		return nil
	}
	defer func() { _ = c.logFile.Close() }()
	select {
	case <-c.done:
		return fmt.Errorf("ccflow had exited already: %v", c.waitErr)
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM ccflow: %w", err)
	}
	select {
	case <-c.done:
		return c.waitErr
	case <-time.After(stopTimeout):
		kerr := c.cmd.Process.Kill()
		<-c.done
		return errors.Join(fmt.Errorf("ccflow did not stop within %s after SIGTERM; killed", stopTimeout), kerr)
	}
}

// remove deletes the temporary directory (binary, data, log).
func (c *child) remove() error {
	return os.RemoveAll(c.dir)
}

// logTail returns the last n lines of the child's log.
func (c *child) logTail(n int) string {
	raw, err := os.ReadFile(c.logPath)
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// environWithout is the environment minus variables starting with prefix,
// so a developer's own CCFLOW_* settings cannot point the child elsewhere.
func environWithout(prefix string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

// freePorts returns n distinct loopback ports free right now, chosen below
// the ephemeral range so no outgoing connection takes one before ccflow
// binds it.
func freePorts(n int) ([]int, error) {
	var out []int
	for range 200 {
		if len(out) == n {
			return out, nil
		}
		p := 20000 + rand.IntN(12000)
		if slices.Contains(out, p) {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		if err := l.Close(); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == n {
		return out, nil
	}
	return nil, errors.New("no free loopback ports found")
}

// generatedAdminKey reads the key the all-in-one may generate into its data
// directory, for when it does not take the one ccbench passed.
func (c *child) generatedAdminKey() (string, error) {
	raw, err := os.ReadFile(filepath.Join(c.dataDir, "admin-key"))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(raw)), nil
}
