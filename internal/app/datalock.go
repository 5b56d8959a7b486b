package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockFileName is the file in the data directory that a running all-in-one
// (or `ccflow temporal`) holds locked: the embedded Temporal server and
// SQLite must have one process each.
const lockFileName = "ccflow.lock"

// errDataDirLocked says another ccflow holds the data directory.
var errDataDirLocked = errors.New("data directory in use")

// lockDataDir takes the data directory's lock for this process, so that a
// second ccflow on the same directory stops with a line that says so and
// how to stop the first, instead of "address already in use" from whichever
// port it reaches first. The lock is the kernel's (flock), so a process that
// died, even by kill -9, holds nothing; the pid in the file is only there to
// name the holder. The returned function releases it.
func lockDataDir(dir string) (func(), error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory %s (CCFLOW_DATA_DIR): %w", dir, err)
	}
	held, err := tryLock(f)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lock data directory %s: %w", dir, err), f.Close())
	}
	if held {
		holder, how := "another ccflow", "Ctrl-C in its terminal"
		if pid := readPID(path); pid > 0 {
			holder, how = fmt.Sprintf("another ccflow (pid %d)", pid), fmt.Sprintf("Ctrl-C in its terminal, or kill -TERM %d", pid)
		}
		return nil, errors.Join(fmt.Errorf("%w: %s is running with data directory %s; stop it first (%s), or give this one its own CCFLOW_DATA_DIR",
			errDataDirLocked, holder, dir, how), f.Close())
	}
	if err := writePID(f); err != nil {
		return nil, errors.Join(fmt.Errorf("data directory lock %s: %w", path, err), f.Close())
	}
	return func() {
		// Closing the file releases the lock; the file stays, empty of meaning.
		_ = f.Truncate(0)
		_ = f.Close()
	}, nil
}

// readPID reads the pid a lock file names; 0 when it names none.
func readPID(path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return 0
	}
	return pid
}

// writePID replaces the lock file's content with this process's id.
func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}
