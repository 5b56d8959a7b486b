package integration

// The pieces of the cluster test (issue 14): a real Temporal cluster started
// by deploy/temporal-cluster.sh, and a MariaDB server of the test's own that
// it can take down without touching the machine's shared one.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// needs fails the test in CI, where a missing dependency is a broken
// pipeline, and skips it on a developer machine that lacks it.
func needs(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set and %s", what)
	}
	t.Skipf("%s (set CI=true to make this a failure)", what)
}

// temporalCluster is frontend, history, matching and worker as four
// processes on PostgreSQL, run by deploy/temporal-cluster.sh.
type temporalCluster struct {
	t       *testing.T
	dir     string
	env     []string
	address string
}

// clusterScript is the script a person runs too.
var clusterScript = filepath.Join("..", "deploy", "temporal-cluster.sh")

// startTemporalCluster starts a cluster with its own databases and ports;
// the Temporal binaries come from the per-machine cache (.ci/run fills it
// before the tests; the script builds them when it is empty).
func startTemporalCluster(t *testing.T) *temporalCluster {
	t.Helper()
	_, err := exec.LookPath("pg_isready")
	needs(t, err == nil, "pg_isready (PostgreSQL's client) is not installed")
	needs(t, exec.Command("pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432").Run() == nil,
		"PostgreSQL is not reachable at 127.0.0.1:5432 (the Temporal cluster's store)")
	db := "ccflow_tc_it_" + strconv.Itoa(os.Getpid())
	// A port free when picked may be taken before the service binds it
	// (other tests pick ports too): a second try with new ports.
	for attempt := 1; ; attempt++ {
		c, out, err := tryTemporalCluster(t, db)
		if err == nil {
			return c
		}
		if attempt == 2 {
			t.Fatalf("temporal-cluster.sh up: %v\n%s", err, out)
		}
		t.Logf("temporal-cluster.sh up failed, trying again with other ports: %v\n%s", err, tail(out, 3000))
	}
}

// tryTemporalCluster runs `up` once with fresh ports.
func tryTemporalCluster(t *testing.T, db string) (*temporalCluster, string, error) {
	t.Helper()
	c := &temporalCluster{t: t, dir: t.TempDir()}
	frontend := clusterPort(t)
	c.address = "127.0.0.1:" + strconv.Itoa(frontend)
	c.env = append(os.Environ(),
		"CCFLOW_TC_DIR="+c.dir,
		"CCFLOW_TC_DB="+db,
		"CCFLOW_TC_VISIBILITY_DB="+db+"_visibility",
		"CCFLOW_TC_SHARDS=4",
		"CCFLOW_TC_FRONTEND_PORT="+strconv.Itoa(frontend),
	)
	for _, name := range []string{"HISTORY", "MATCHING", "WORKER", "FRONTEND_MEMBERSHIP", "HISTORY_MEMBERSHIP",
		"MATCHING_MEMBERSHIP", "WORKER_MEMBERSHIP", "FRONTEND_HTTP"} {
		c.env = append(c.env, "CCFLOW_TC_"+name+"_PORT="+strconv.Itoa(clusterPort(t)))
	}
	t.Cleanup(func() {
		if t.Failed() {
			// The whole logs outlive the test's temporary directory.
			keep, err := os.MkdirTemp("", "ccflow-cluster-logs-*")
			for _, svc := range []string{"frontend", "history", "matching", "worker"} {
				if b, rerr := os.ReadFile(filepath.Join(c.dir, svc+".log")); rerr == nil {
					t.Logf("Temporal %s log (last 2 KiB):\n%s", svc, tail(string(b), 2048))
					if err == nil {
						_ = os.WriteFile(filepath.Join(keep, svc+".log"), b, 0o600)
					}
				}
			}
			if err == nil {
				t.Logf("the Temporal services' whole logs are in %s", keep)
			}
		}
		c.run("down")
		c.run("drop")
	})
	begin := time.Now()
	cmd := exec.Command("bash", clusterScript, "up")
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, string(out), err
	}
	require.Contains(t, string(out), "CCFLOW_TEMPORAL_ADDRESS="+c.address, string(out))
	t.Logf("Temporal cluster (4 services, 4 history shards, PostgreSQL) up in %s", time.Since(begin).Round(time.Millisecond))
	return c, string(out), nil
}

// clusterPort is a free port for a Temporal service, from 10000 to 19999:
// below the range the other tests' freePort picks from, so that no test
// takes the port of a service killed and about to restart on it.
func clusterPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := 10000 + rand.IntN(10000)
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			require.NoError(t, l.Close())
			return p
		}
	}
	t.Fatal("no free port found")
	return 0
}

// run runs the script with the cluster's settings and returns its output.
func (c *temporalCluster) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command("bash", append([]string{clusterScript}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	require.NoError(c.t, err, "temporal-cluster.sh %v:\n%s", args, out)
	return string(out)
}

// pid is the process id of a running service.
func (c *temporalCluster) pid(service string) int {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, service+".pid"))
	require.NoError(c.t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(c.t, err)
	return pid
}

// kill SIGKILLs one service and waits until it is gone.
func (c *temporalCluster) kill(service string) {
	c.t.Helper()
	pid := c.pid(service)
	require.NoError(c.t, syscall.Kill(pid, syscall.SIGKILL))
	eventually(c.t, 10*time.Second, "Temporal "+service+" gone", func() error {
		if syscall.Kill(pid, 0) == nil {
			return errNotYet
		}
		return nil
	})
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// ownMariaDB is a MariaDB server the test runs on its own port and data
// directory, so that it can stop it: the machine's shared one is never touched.
type ownMariaDB struct {
	t       *testing.T
	dataDir string
	port    int
	proc    *exec.Cmd
	done    chan struct{}
}

// startOwnMariaDB initialises a data directory and starts mariadbd on it.
func startOwnMariaDB(t *testing.T) *ownMariaDB {
	t.Helper()
	install, err := exec.LookPath("mariadb-install-db")
	needs(t, err == nil, "mariadb-install-db is not installed (Debian's mariadb-server)")
	_, err = mariadbd()
	needs(t, err == nil, "mariadbd is not installed (Debian's mariadb-server)")
	m := &ownMariaDB{t: t, dataDir: filepath.Join(t.TempDir(), "mariadb"), port: freePort(t)}
	out, err := exec.Command(install, "--no-defaults", "--datadir="+m.dataDir, "--user="+currentUser(),
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	require.NoError(t, err, "mariadb-install-db: %s", out)
	m.start()
	t.Cleanup(func() { m.stop(syscall.SIGTERM) })
	return m
}

func mariadbd() (string, error) {
	if p, err := exec.LookPath("mariadbd"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/mariadbd"); err != nil {
		return "", err
	}
	return "/usr/sbin/mariadbd", nil
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "root"
}

// start runs mariadbd on the data directory and waits until it answers.
func (m *ownMariaDB) start() {
	m.t.Helper()
	bin, err := mariadbd()
	require.NoError(m.t, err)
	m.proc = exec.Command(bin, "--no-defaults", "--datadir="+m.dataDir, "--port="+strconv.Itoa(m.port),
		"--bind-address=127.0.0.1", "--socket="+filepath.Join(m.dataDir, "mysqld.sock"), "--user="+currentUser(),
		"--skip-log-bin", "--innodb-buffer-pool-size=64M", "--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci", "--max-connections=500",
		"--log-error="+filepath.Join(m.dataDir, "error.log"))
	require.NoError(m.t, m.proc.Start())
	m.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(m.proc, m.done)
	eventually(m.t, time.Minute, "own MariaDB answers", func() error {
		select {
		case <-m.done:
			b, _ := os.ReadFile(filepath.Join(m.dataDir, "error.log"))
			m.t.Fatalf("mariadbd exited:\n%s", tail(string(b), 4096))
		default:
		}
		db, err := sql.Open("mysql", m.dsn(""))
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return db.PingContext(ctx)
	})
}

// stop ends mariadbd with sig (SIGKILL for a crash) and waits until it is gone.
func (m *ownMariaDB) stop(sig syscall.Signal) {
	select {
	case <-m.done:
		return
	default:
	}
	_ = m.proc.Process.Signal(sig)
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
		_ = m.proc.Process.Kill()
		<-m.done
	}
}

// dsn is the DSN of database name on this server ("" for none).
func (m *ownMariaDB) dsn(name string) string {
	cfg := gomysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "tcp"
	cfg.Addr = "127.0.0.1:" + strconv.Itoa(m.port)
	cfg.DBName = name
	cfg.ParseTime = true
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	return cfg.FormatDSN()
}

// createDatabase creates an empty database and returns its DSN.
func (m *ownMariaDB) createDatabase(name string) string {
	m.t.Helper()
	db, err := sql.Open("mysql", m.dsn(""))
	require.NoError(m.t, err)
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf("CREATE DATABASE `%s` CHARACTER SET utf8mb4", name))
	require.NoError(m.t, err)
	return m.dsn(name)
}
