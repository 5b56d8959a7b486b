package models

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
)

//go:embed migrations/mysql/*.sql migrations/sqlite/*.sql
var migrationFS embed.FS

// migrateLockWaitSec bounds how long a replica waits for another's migration.
const migrateLockWaitSec = 60

// Migrate applies every pending schema migration for db's dialect.
//
// On MySQL the whole run, including goose's first look at its version table,
// holds a named lock: goose's own session locker does not cover that first
// look, and on a fresh database a second replica could see the version table
// after one replica created it but before it wrote the zero version.
func Migrate(ctx context.Context, db *gorm.DB) error {
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	if db.Dialector.Name() == DriverMySQL {
		unlock, err := lockMySQL(ctx, db)
		if err != nil {
			return err
		}
		defer unlock()
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

// lockMySQL takes a named lock, per database, on a connection of its own. A
// named lock belongs to its connection, so the server frees it even if the
// process dies mid-migration, unlike a lock row in a table.
func lockMySQL(ctx context.Context, db *gorm.DB) (func(), error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// Lock names are server-wide and at most 64 characters.
	const name = "LEFT(CONCAT('ccflow_migrate:', DATABASE()), 64)"
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+name+", ?)", migrateLockWaitSec).Scan(&got); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("migrate: acquire migration lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		_ = conn.Close()
		return nil, fmt.Errorf("migrate: another migration still runs after %ds", migrateLockWaitSec)
	}
	return func() {
		// Detached: the caller's context may be done, and the lock must still go.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK("+name+")"); err != nil {
			slog.WarnContext(ctx, "release migration lock", "error", err)
		}
		_ = conn.Close()
	}, nil
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
