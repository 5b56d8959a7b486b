package models_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestOpenUnknownDriver(t *testing.T) {
	_, err := models.Open(context.Background(), "postgres", "whatever")
	require.EqualError(t, err, `unknown CCFLOW_DB_DRIVER "postgres" (want sqlite or mysql)`)
}

func TestOpenMalformedMySQLDSN(t *testing.T) {
	for _, dsn := range []string{
		"not a dsn",
		"root:hunter2-secret@tcp(127.0.0.1:3306)",  // no database part
		"root:hunter2-secret@tcp(127.0.0.1:3306)/", // no database name
		"root:hunter2-secret@tcp(127.0.0.1:3306)/db?parseTime=maybe",
	} {
		_, err := models.Open(context.Background(), models.DriverMySQL, dsn)
		require.Error(t, err, dsn)
		require.Contains(t, err.Error(), "CCFLOW_DB_DSN", dsn)
		require.NotContains(t, err.Error(), "hunter2", dsn)
	}
}

func TestOpenUnreachableMySQL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := models.Open(ctx, models.DriverMySQL, "ccflow:hunter2-secret@tcp(127.0.0.1:1)/ccflow")
	require.Error(t, err)
	require.Less(t, time.Since(start), 5*time.Second)
	require.Contains(t, err.Error(), "127.0.0.1:1")
	require.Contains(t, err.Error(), "mysql")
	require.NotContains(t, err.Error(), "hunter2")
}

func TestOpenSQLiteUnopenable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "app.db")
	_, err := models.Open(context.Background(), models.DriverSQLite, models.SQLiteDSN(path))
	require.Error(t, err)
	require.Contains(t, err.Error(), "sqlite")
	require.Contains(t, err.Error(), path)
}

func TestSQLiteDSNAndPragmas(t *testing.T) {
	ctx := context.Background()
	// Characters that mean something in a URI must still name the file.
	path := filepath.Join(t.TempDir(), "odd ?#%name.db")
	db, err := models.Open(ctx, models.DriverSQLite, models.SQLiteDSN(path))
	require.NoError(t, err)
	t.Cleanup(func() { closeDB(t, db) })
	require.NoError(t, models.Migrate(ctx, db))
	_, err = os.Stat(path)
	require.NoError(t, err, "database file created at the given path")

	sqlDB, err := db.DB()
	require.NoError(t, err)
	// Hold several connections at once: each must carry the pragmas.
	conns := make([]interface{ Close() error }, 0, 3)
	for range 3 {
		conn, err := sqlDB.Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, conn)
		var mode string
		var sync, busy, fk int
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
		require.Equal(t, "wal", mode)
		require.Equal(t, 1, sync, "NORMAL")
		require.Equal(t, 5000, busy)
		require.Equal(t, 1, fk)
	}
	for _, c := range conns {
		require.NoError(t, c.Close())
	}
	require.Greater(t, sqlDB.Stats().MaxOpenConnections, 1, "WAL serves readers beside the writer")
}

func TestGormLogsFailuresWithoutValues(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	db := modelstest.SQLiteDB(t)
	buf.Reset()

	require.ErrorIs(t, db.Take(&models.Tenant{}, "id = ?", "no-such-tenant").Error, gorm.ErrRecordNotFound)
	require.Empty(t, buf.String(), "a missing row is not worth a log line")

	require.NoError(t, db.Create(&models.AppKey{Key: "k", TenantID: "t", Secret: "s", Name: "n"}).Error)
	require.Empty(t, buf.String(), "successful statements are not logged")

	err := db.Exec("INSERT INTO app_keys (`key`, tenant_id, secret) VALUES (?, ?, ?)", "k2", "t", "very-secret-value").Error
	require.Error(t, err)
	logged := buf.String()
	require.Contains(t, logged, "level=ERROR")
	require.Contains(t, logged, "INSERT INTO app_keys")
	require.NotContains(t, logged, "very-secret-value")
}

// TestSQLiteInsertsWithoutReturning: an insert on SQLite does not carry
// RETURNING (which SQLite runs as a trigger, keeping a statement journal for
// every insert), and still hands back the new row's id, for one row and for
// several.
func TestSQLiteInsertsWithoutReturning(t *testing.T) {
	db := modelstest.SQLiteDB(t)
	rec := models.ChatRecord{TenantID: "t", ConversationID: "c", UserID: "u", Seq: 1, MessageCode: "c-1", CreatedAt: time.Now()}
	stmt := db.Session(&gorm.Session{DryRun: true}).Create(&rec).Statement
	require.NotContains(t, stmt.SQL.String(), "RETURNING")

	require.NoError(t, db.Create(&rec).Error)
	require.NotZero(t, rec.ID)
	more := []models.ChatRecord{
		{TenantID: "t", ConversationID: "c", UserID: "u", Seq: 2, MessageCode: "c-2", CreatedAt: time.Now()},
		{TenantID: "t", ConversationID: "c", UserID: "u", Seq: 3, MessageCode: "c-3", CreatedAt: time.Now()},
	}
	require.NoError(t, db.Create(&more).Error)
	for _, r := range more {
		var stored models.ChatRecord
		require.NoError(t, db.Where("id = ?", r.ID).Take(&stored).Error)
		require.Equal(t, r.MessageCode, stored.MessageCode, "the id handed back is the row's")
	}
}
