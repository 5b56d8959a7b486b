package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	// adminKeyFile is the generated admin key's file in the data directory.
	adminKeyFile = "admin-key"
	// minAdminKeyLen refuses keys short enough to guess.
	minAdminKeyLen = 16
)

// ResolveAdminKey returns the admin API's key and, when it was generated,
// the file it is in. CCFLOW_ADMIN_KEY wins; otherwise the all-in-one
// generates a key into the data directory on first start and reuses it
// after, so that the admin API works out of the box on a laptop. The scaled-out roles never
// generate one: replicas could not agree on it, so without CCFLOW_ADMIN_KEY
// their admin API stays off. The key itself is never printed or logged.
func (c Config) ResolveAdminKey(role Role) (key, file string, err error) {
	if c.AdminKey != "" {
		if len(c.AdminKey) < minAdminKeyLen {
			return "", "", fmt.Errorf("CCFLOW_ADMIN_KEY must be at least %d characters", minAdminKeyLen)
		}
		return c.AdminKey, "", nil
	}
	if role != RoleAllInOne {
		return "", "", nil
	}
	file = filepath.Join(c.DataDir, adminKeyFile)
	key, err = readAdminKey(file)
	if err == nil && key == "" {
		key, err = writeAdminKey(file)
	}
	if err != nil {
		return "", "", err
	}
	return key, file, nil
}

// readAdminKey returns the key in file, "" when there is none yet.
func readAdminKey(file string) (string, error) {
	raw, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("admin key file: %w", err)
	}
	key := strings.TrimSpace(string(raw))
	if key != "" && len(key) < minAdminKeyLen {
		return "", fmt.Errorf("admin key file %s holds a key shorter than %d characters; delete the file to generate a new one", file, minAdminKeyLen)
	}
	// The key grants every admin write, so only its owner may read it, even
	// if someone loosened the file's mode since.
	info, err := os.Stat(file)
	if err != nil {
		return "", fmt.Errorf("admin key file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(file, 0o600); err != nil {
			return "", fmt.Errorf("admin key file: %w", err)
		}
	}
	return key, nil
}

// writeAdminKey generates a key into file, through a temporary file and a
// rename, so that a crash never leaves a half-written key behind.
func writeAdminKey(file string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate admin key: %w", err)
	}
	key := hex.EncodeToString(b)
	tmp, err := os.CreateTemp(filepath.Dir(file), ".admin-key-*") // mode 0600
	if err != nil {
		return "", fmt.Errorf("admin key file: %w", err)
	}
	_, err = tmp.WriteString(key + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		if rerr := os.Remove(tmp.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return "", fmt.Errorf("admin key file %s: %w", file, err)
	}
	return key, nil
}
