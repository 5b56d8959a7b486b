package models

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"
)

//go:embed migrations/mysql/*.sql migrations/sqlite/*.sql
var migrationFS embed.FS

// migrateLockName is the MySQL named lock that serialises concurrent Migrate
// calls (several `ccflow server`/`worker` replicas starting together).
const migrateLockName = "ccflow_migrate"

// migrateLockWaitSec bounds how long a replica waits for another's migration.
const migrateLockWaitSec = 60

// Migrate applies every pending schema migration for db's dialect.
func Migrate(ctx context.Context, db *gorm.DB) error {
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	// p.Close is not called: it would close the pool that db still uses.
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s schema: %w", db.Dialector.Name(), err)
	}
	for _, r := range results {
		slog.InfoContext(ctx, "applied schema migration", "db", db.Dialector.Name(),
			"version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// MigrationVersion reports the schema version recorded in the database (0 before any migration).
func MigrationVersion(ctx context.Context, db *gorm.DB) (int64, error) {
	p, err := newProvider(db)
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read %s schema version: %w", db.Dialector.Name(), err)
	}
	return v, nil
}

func newProvider(db *gorm.DB) (*goose.Provider, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	name := db.Dialector.Name()
	opts := []goose.ProviderOption{
		goose.WithSlog(slog.Default()),
		// Only the embedded files count; a stray goose.AddMigration elsewhere in the binary must not.
		goose.WithDisableGlobalRegistry(true),
	}
	var dialect goose.Dialect
	switch name {
	case DriverMySQL:
		dialect = goose.DialectMySQL
		// goose ships session lockers for Postgres only; without one, two
		// replicas starting at once would both see version 0 and race on the DDL.
		opts = append(opts, goose.WithSessionLocker(mysqlLocker{}))
	case DriverSQLite:
		// One process owns a SQLite file (all-in-one mode), and SQLite's DDL is
		// transactional, so no cross-process lock is needed.
		dialect = goose.DialectSQLite3
	default:
		return nil, fmt.Errorf("migrate: no migrations for database %q (want sqlite or mysql)", name)
	}
	dir, err := fs.Sub(migrationFS, "migrations/"+name)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(dialect, sqlDB, dir, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return p, nil
}

// mysqlLocker holds a MySQL named lock on goose's dedicated session for the
// whole run. A named lock belongs to the connection, so it is released by the
// server even if the process dies mid-migration, unlike a lock row in a table.
type mysqlLocker struct{}

var _ lock.SessionLocker = mysqlLocker{}

func (mysqlLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", migrateLockName, migrateLockWaitSec).Scan(&got); err != nil {
		return fmt.Errorf("acquire lock %q: %w", migrateLockName, err)
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("acquire lock %q: another migration still runs after %ds", migrateLockName, migrateLockWaitSec)
	}
	return nil
}

func (mysqlLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var released sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT RELEASE_LOCK(?)", migrateLockName).Scan(&released); err != nil {
		return fmt.Errorf("release lock %q: %w", migrateLockName, err)
	}
	if !released.Valid || released.Int64 != 1 {
		return errors.New("release lock " + migrateLockName + ": lock was not held by this session")
	}
	return nil
}
