// Package modelstest gives tests a throw-away, migrated application database.
//
// Every MySQL test gets its own database so that test packages, which `go test`
// runs in parallel, never see each other's rows.
package modelstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// EnvMySQLDSN names the variable that points the tests at a MySQL/MariaDB server.
const EnvMySQLDSN = "CCFLOW_TEST_MYSQL_DSN"

// DefaultMySQLDSN is CI's MariaDB (DESIGN §10).
const DefaultMySQLDSN = "root:@tcp(127.0.0.1:3306)/test"

// MySQLDSN creates an empty database on the test server and returns its DSN; it
// is dropped when t ends. Without a server the test is skipped, unless CI is set.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvMySQLDSN)
	if base == "" {
		base = DefaultMySQLDSN
	}
	cfg, err := gomysql.ParseDSN(base)
	if err != nil {
		// A typo in the variable is never a reason to skip.
		t.Fatalf("%s is not a valid MySQL DSN: %v", EnvMySQLDSN, err)
	}

	adminCfg := cfg.Clone()
	adminCfg.Timeout = 3 * time.Second
	connector, err := gomysql.NewConnector(adminCfg)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQLDSN, err)
	}
	admin := sql.OpenDB(connector)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		unavailable(t, fmt.Sprintf("MySQL/MariaDB at %s is unreachable: %v", cfg.Addr, err))
	}

	name := "ccflow_test_" + randomHex(t, 8)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4"); err != nil {
		_ = admin.Close()
		t.Fatalf("create test database %s on %s: %v", name, cfg.Addr, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		_ = admin.Close()
	})

	cfg.DBName = name
	return cfg.FormatDSN()
}

// unavailable fails under CI, where a missing database means a broken
// pipeline, and skips on a developer machine that has no MariaDB.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI is set, so the MySQL tests must run (point %s at a server)", msg, EnvMySQLDSN)
	}
	t.Skipf("%s; skipping (set %s to a server, or CI=1 to make this a failure)", msg, EnvMySQLDSN)
}

// MySQLDB opens and migrates a fresh MySQL database (see MySQLDSN).
func MySQLDB(t testing.TB) *gorm.DB {
	t.Helper()
	return open(t, models.DriverMySQL, MySQLDSN(t))
}

// SQLiteDB opens and migrates a SQLite database in t's temporary directory.
func SQLiteDB(t testing.TB) *gorm.DB {
	t.Helper()
	return open(t, models.DriverSQLite, models.SQLiteDSN(filepath.Join(t.TempDir(), "ccflow.db")))
}

func open(t testing.TB, driver, dsn string) *gorm.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := models.Open(ctx, driver, dsn)
	if err != nil {
		t.Fatalf("open %s test database: %v", driver, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	if err := models.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate %s test database: %v", driver, err)
	}
	return db
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random database name: %v", err)
	}
	return hex.EncodeToString(b)
}

// EachDB runs f as a subtest on a fresh SQLite database and on a fresh MySQL
// one (the latter skipped without a server, unless CI is set).
func EachDB(t *testing.T, f func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLiteDB(t)) })
	t.Run("mysql", func(t *testing.T) { f(t, MySQLDB(t)) })
}
