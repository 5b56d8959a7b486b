package app

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// A second ccflow on a data directory stops with a line that names the
// first and how to stop it; once the first has stopped the directory is free.
func TestDataDirLockRefusesASecondCcflow(t *testing.T) {
	dir := t.TempDir()
	release, err := lockDataDir(dir)
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join(dir, lockFileName))
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(os.Getpid())+"\n", string(raw))

	_, err = lockDataDir(dir)
	require.ErrorIs(t, err, errDataDirLocked)
	require.EqualError(t, err, "data directory in use: another ccflow (pid "+strconv.Itoa(os.Getpid())+") is running with data directory "+dir+
		"; stop it first (Ctrl-C in its terminal, or kill -TERM "+strconv.Itoa(os.Getpid())+"), or give this one its own CCFLOW_DATA_DIR")

	release()
	again, err := lockDataDir(dir)
	require.NoError(t, err, "a stopped ccflow holds nothing")
	again()
}
