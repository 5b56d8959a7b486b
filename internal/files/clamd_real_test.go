package files_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
)

// clamdBinary is Debian's clamav-daemon, which .ci/run installs.
const clamdBinary = "/usr/sbin/clamd"

// startClamd runs a real clamd on a unix socket with one signature, the
// EICAR test file's hash (no signature download is possible here), and
// answers the socket's path. Without clamd the test is skipped locally and
// fails in CI.
func startClamd(t *testing.T) string {
	if _, err := os.Stat(clamdBinary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("clamd is not installed (%v): .ci/run installs clamav-daemon", err)
		}
		t.Skip("clamd is not installed (Debian clamav-daemon); CI runs this test")
	}
	dir := t.TempDir()
	sum := md5.Sum([]byte(EICAR))
	db := filepath.Join(dir, "db")
	require.NoError(t, os.Mkdir(db, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(db, "eicar.hdb"),
		fmt.Appendf(nil, "%s:%d:Eicar-Test-Signature\n", hex.EncodeToString(sum[:]), len(EICAR)), 0o644))
	sock := filepath.Join(dir, "clamd.sock")
	conf := filepath.Join(dir, "clamd.conf")
	require.NoError(t, os.WriteFile(conf, fmt.Appendf(nil,
		"DatabaseDirectory %s\nLocalSocket %s\nForeground yes\nLogFile %s\n", db, sock, filepath.Join(dir, "clamd.log")), 0o644))
	cmd := exec.Command(clamdBinary, "-c", conf)
	out, err := os.Create(filepath.Join(dir, "clamd.out"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = out.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			require.NoError(t, c.Close())
			return sock
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "clamd.out"))
			t.Fatalf("clamd did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestUploadsAreScannedByARealClamd(t *testing.T) {
	sock := startClamd(t)
	ctx := context.Background()
	s, _ := newService(t)
	s.Scanner = files.Clamd{Addr: sock}
	_, err := s.Upload(ctx, visitor, "txt", []byte(EICAR))
	require.ErrorIs(t, err, files.ErrInfected)
	require.ErrorContains(t, err, "Eicar-Test-Signature")
	f, err := s.Upload(ctx, visitor, "txt", []byte("a clean note\n"))
	require.NoError(t, err)
	require.True(t, files.ValidKey(f.ObjectKey))
}
