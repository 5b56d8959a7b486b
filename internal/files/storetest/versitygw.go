package storetest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
)

// S3BinEnv names the versitygw binary (github.com/versity/versitygw, a real
// S3 server) the S3 tests run against; .ci/run builds it and sets it.
const S3BinEnv = "CCFLOW_TEST_S3_BIN"

// RealS3 is an S3Store on a versitygw this test starts with its posix
// backend in a temporary directory, with its bucket made; it stops with
// the test. Without CCFLOW_TEST_S3_BIN the test is skipped, or fails
// when CI is set: CI must run it.
func RealS3(t testing.TB) *files.S3Store {
	t.Helper()
	bin := os.Getenv(S3BinEnv)
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI runs the S3 suite against versitygw (.ci/run builds it)", S3BinEnv)
		}
		t.Skipf("set %s to a versitygw binary (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0) to run the S3 suite against a real S3 server", S3BinEnv)
	}
	root := t.TempDir()
	addr := freeAddr(t)
	const access, secret = "ccflow-test", "ccflow-test-secret"
	cmd := exec.Command(bin, "--port", addr, "--access", access, "--secret", secret, "posix", root)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start(), "start %s", bin)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		return c.Close() == nil
	}, 20*time.Second, 50*time.Millisecond, "versitygw did not listen on %s", addr)
	s, err := files.NewS3Store(files.S3Config{Endpoint: "http://" + addr, Bucket: "ccflow", AccessKey: access, SecretKey: secret, PathStyle: true})
	require.NoError(t, err)
	require.NoError(t, s.CreateBucket(context.Background()))
	require.NoError(t, s.Ping(context.Background()))
	require.DirExists(t, filepath.Join(root, "ccflow"), "the bucket is a directory of the posix backend")
	return s
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
