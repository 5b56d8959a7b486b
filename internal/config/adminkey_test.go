package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAllInOneGeneratesTheAdminKeyOnceAndReusesIt(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	key, file, err := cfg.ResolveAdminKey(RoleAllInOne)
	require.NoError(t, err)
	require.Regexp(t, `^[0-9a-f]{64}$`, key)
	require.Equal(t, filepath.Join(cfg.DataDir, "admin-key"), file)
	info, err := os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	leftovers, err := filepath.Glob(filepath.Join(cfg.DataDir, ".admin-key-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers, "no temporary file is left behind")

	again, againFile, err := cfg.ResolveAdminKey(RoleAllInOne)
	require.NoError(t, err)
	require.Equal(t, key, again, "a restart reuses the key")
	require.Equal(t, file, againFile)

	// A mode loosened by hand is tightened again: the key grants every admin write.
	require.NoError(t, os.Chmod(file, 0o644))
	_, _, err = cfg.ResolveAdminKey(RoleAllInOne)
	require.NoError(t, err)
	info, err = os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestConfiguredAdminKeyWins(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), AdminKey: "a-configured-admin-key"}
	for _, role := range []Role{RoleAllInOne, RoleServer} {
		key, file, err := cfg.ResolveAdminKey(role)
		require.NoError(t, err)
		require.Equal(t, cfg.AdminKey, key)
		require.Empty(t, file)
	}
	_, err := os.Stat(filepath.Join(cfg.DataDir, "admin-key"))
	require.ErrorIs(t, err, os.ErrNotExist, "nothing is generated")

	cfg.AdminKey = "short"
	_, _, err = cfg.ResolveAdminKey(RoleServer)
	require.ErrorContains(t, err, "CCFLOW_ADMIN_KEY must be at least 16 characters")
}

func TestServerWithoutAdminKeyLeavesTheAdminAPIOff(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	key, file, err := cfg.ResolveAdminKey(RoleServer)
	require.NoError(t, err)
	require.Empty(t, key)
	require.Empty(t, file)
	_, err = os.Stat(filepath.Join(cfg.DataDir, "admin-key"))
	require.ErrorIs(t, err, os.ErrNotExist, "replicas could not share a generated key")
}

func TestAdminKeyFileProblemsStopTheStart(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	file := filepath.Join(cfg.DataDir, "admin-key")
	require.NoError(t, os.WriteFile(file, []byte("tiny\n"), 0o600))
	_, _, err := cfg.ResolveAdminKey(RoleAllInOne)
	require.ErrorContains(t, err, "delete the file to generate a new one")

	// An empty file (a crash before the rename cannot make one, but a hand
	// edit can) holds no key anybody saw: a new one is generated.
	require.NoError(t, os.WriteFile(file, []byte("\n"), 0o600))
	key, _, err := cfg.ResolveAdminKey(RoleAllInOne)
	require.NoError(t, err)
	require.Len(t, key, 64)

	cfg.DataDir = filepath.Join(t.TempDir(), "missing")
	_, _, err = cfg.ResolveAdminKey(RoleAllInOne)
	require.ErrorContains(t, err, "admin key file")
}
