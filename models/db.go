package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/logger"

	// The Temporal server already links modernc's driver under the name "sqlite";
	// reusing it avoids a second SQLite implementation (and a duplicate-name panic).
	_ "modernc.org/sqlite"
)

// Driver names accepted by Open, as spelled in CCFLOW_DB_DRIVER.
const (
	// DriverSQLite is the zero-setup default: one file in the data directory.
	DriverSQLite = "sqlite"
	// DriverMySQL is for production, where several replicas share one database.
	DriverMySQL = "mysql"
)

// sqliteParams are applied by modernc on every new pooled connection, which is
// why they live in the DSN rather than in one-off PRAGMA statements.
//   - WAL + synchronous=NORMAL keeps every committed write across a process
//     crash without an fsync per commit, and lets readers run beside the writer.
//   - busy_timeout makes a second writer wait instead of failing with SQLITE_BUSY.
//   - _txlock=immediate takes the write lock at BEGIN, so GORM's write
//     transactions queue on busy_timeout rather than failing on a lock upgrade.
//   - _time_format/_timezone store times as UTC text that sorts in time order
//     and that SQLite's own date functions understand.
var sqliteParams = []string{
	"_pragma=busy_timeout(5000)",
	"_pragma=journal_mode(WAL)",
	"_pragma=synchronous(NORMAL)",
	"_pragma=foreign_keys(1)",
	"_txlock=immediate",
	"_time_format=sqlite",
	"_timezone=UTC",
}

// SQLite pool: WAL allows concurrent readers and busy_timeout serialises
// writers, so a single connection would only add head-of-line blocking (a slow
// read or goose's locked session would stall /readyz and every request). More
// than a handful buys nothing: there is one write lock, and each connection
// carries its own page cache.
const (
	sqliteMaxOpenConns = 8
	sqliteMaxIdleConns = 8
)

// MySQL pool: the cap bounds what one replica can take from a server shared by
// many; the lifetime recycles connections before server or proxy idle cut-offs.
//
// Every open connection may stay idle: with fewer idle slots than busy
// connections, each connection handed back beyond them is closed and the
// next request dials again (connect, authenticate, two SETs). Measured with
// 8 idle slots, 50 visitors across two replicas: 1,239 new connections in
// 30 s of chat. The idle time bound shrinks the pool once the burst is over.
const (
	mysqlMaxOpenConns    = 32
	mysqlMaxIdleConns    = mysqlMaxOpenConns
	mysqlConnMaxIdleTime = 5 * time.Minute
	mysqlConnMaxLifetime = 30 * time.Minute
	mysqlDialTimeout     = 10 * time.Second
)

// SQLiteDSN builds the modernc DSN for a database file with ccflow's pragmas.
func SQLiteDSN(path string) string {
	// A "file:" URI keeps paths containing '?' or '#' intact once escaped.
	esc := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + esc + "?" + strings.Join(sqliteParams, "&")
}

// Open connects to the application database and checks it answers within ctx.
func Open(ctx context.Context, driver, dsn string) (*gorm.DB, error) {
	switch driver {
	case DriverSQLite:
		return openSQLite(ctx, dsn)
	case DriverMySQL:
		return openMySQL(ctx, dsn)
	default:
		return nil, fmt.Errorf("unknown CCFLOW_DB_DRIVER %q (want sqlite or mysql)", driver)
	}
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger: newGormLogger(slog.Default()),
		// UTC and millisecond precision on both databases, so a row read back
		// equals what was written whichever database holds it (DATETIME(3)).
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
		// A single statement is atomic on its own; GORM's default wraps each
		// one in BEGIN and COMMIT besides, for hooks and associations that
		// ccflow's models do not have. Writes that belong together use
		// explicit transactions.
		SkipDefaultTransaction: true,
	}
}

// sqliteDriver is modernc's driver, which the Temporal server registers
// under the name "sqlite" too.
func sqliteDriver() (driver.Driver, error) {
	db, err := sql.Open(DriverSQLite, "")
	if err != nil {
		return nil, fmt.Errorf("sqlite: driver: %w", err)
	}
	drv := db.Driver()
	return drv, db.Close()
}

func openSQLite(ctx context.Context, dsn string) (*gorm.DB, error) {
	file := sqliteFile(dsn)
	drv, err := sqliteDriver()
	if err != nil {
		return nil, err
	}
	keepAllocatorPages()
	sqlDB := sql.OpenDB(stmtCacheConnector{drv: drv, dsn: dsn, size: stmtCacheSize})
	sqlDB.SetMaxOpenConns(sqliteMaxOpenConns)
	sqlDB.SetMaxIdleConns(sqliteMaxIdleConns)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("sqlite: cannot open database file %s: %w", file, err)
	}
	db, err := gorm.Open(noReturning{sqlite.New(sqlite.Config{DriverName: DriverSQLite, DSN: dsn, Conn: sqlDB})}, gormConfig())
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("sqlite: initialise %s: %w", file, err)
	}
	return db, nil
}

// noReturning is SQLite without INSERT … RETURNING, which GORM's SQLite
// driver adds to every insert to read the new row's id. SQLite runs
// RETURNING as a trigger, and a statement with a trigger that may abort
// keeps a statement journal: every page the insert touches is copied
// aside and freed again at its end, over half of a message append's CPU
// in a profile. Without it GORM reads the id from the insert's result
// (last_insert_rowid), as on MySQL.
type noReturning struct{ gorm.Dialector }

// Initialize sets the dialector up, then replaces GORM's create callback
// with one that does not use RETURNING.
func (d noReturning) Initialize(db *gorm.DB) error {
	if err := d.Dialector.Initialize(db); err != nil {
		return err
	}
	cfg := &callbacks.Config{CreateClauses: []string{"INSERT", "VALUES", "ON CONFLICT"}, LastInsertIDReversed: true}
	create := db.Callback().Create()
	create.Clauses = cfg.CreateClauses
	return create.Replace("gorm:create", callbacks.Create(cfg))
}

// sqliteFile recovers the file name from a DSN for error messages.
func sqliteFile(dsn string) string {
	name := dsn
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	if rest, ok := strings.CutPrefix(name, "file:"); ok {
		if u, err := url.PathUnescape(rest); err == nil {
			rest = u
		}
		name = rest
	}
	if name == "" {
		return "(empty file name)"
	}
	return name
}

// parseMySQLDSN parses dsn and forces the session settings ccflow relies on.
func parseMySQLDSN(dsn string) (*gomysql.Config, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		// The driver's messages never echo the DSN, so the password stays out.
		return nil, fmt.Errorf("mysql: malformed CCFLOW_DB_DSN (want user:password@tcp(host:3306)/dbname): %w", err)
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("mysql: CCFLOW_DB_DSN names no database (want user:password@tcp(host:3306)/dbname)")
	}
	// time.Time fields need parseTime; UTC on both sides keeps DATETIME values
	// and the spec's TIMESTAMP column from shifting with the server's zone.
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["time_zone"]; !ok {
		cfg.Params["time_zone"] = "'+00:00'"
	}
	collation := ""
	if strings.HasPrefix(cfg.Collation, "utf8mb4_") {
		collation = cfg.Collation
	}
	if err := cfg.Apply(gomysql.Charset("utf8mb4", collation)); err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	// Without interpolateParams the driver sends every statement with
	// arguments as prepare, execute and close: three round trips where one
	// does, and an append is seven statements. The driver interpolates only
	// for charsets where that is safe (utf8mb4, forced above), and a DSN
	// that says interpolateParams=false keeps it off.
	if !strings.Contains(dsn, "interpolateParams=") {
		cfg.InterpolateParams = true
	}
	// A caller without a deadline must still not hang on a black-holed host.
	if cfg.Timeout == 0 {
		cfg.Timeout = mysqlDialTimeout
	}
	return cfg, nil
}

func openMySQL(ctx context.Context, dsn string) (*gorm.DB, error) {
	cfg, err := parseMySQLDSN(dsn)
	if err != nil {
		return nil, err
	}
	where := mysqlWhere(cfg)
	connector, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %s: %w", where, err)
	}
	sqlDB := sql.OpenDB(connector)
	sqlDB.SetMaxOpenConns(mysqlMaxOpenConns)
	sqlDB.SetMaxIdleConns(mysqlMaxIdleConns)
	sqlDB.SetConnMaxIdleTime(mysqlConnMaxIdleTime)
	sqlDB.SetConnMaxLifetime(mysqlConnMaxLifetime)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", err, ctxErr)
		}
		return nil, fmt.Errorf("mysql: cannot connect to %s: %w", where, err)
	}
	db, err := gorm.Open(mysql.New(mysql.Config{
		// Reuse the pool that was just pinged.
		Conn:      sqlDB,
		DSNConfig: cfg,
		// MySQL 8 has no RETURNING; turning MariaDB's off too keeps CI's MariaDB
		// behaving like production, including RowsAffected of an upsert
		// (MariaDB returns the conflicting row, which gorm would count).
		DisableWithReturning: true,
	}), gormConfig())
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("mysql: initialise %s: %w", where, err)
	}
	return db, nil
}

// mysqlWhere names the server and database without the credentials.
func mysqlWhere(cfg *gomysql.Config) string {
	return fmt.Sprintf("%s(%s)/%s", cfg.Net, cfg.Addr, cfg.DBName)
}

// gormLogger logs failed statements only, and never with their bound values:
// those may be secrets or visitors' messages. Record-not-found is an ordinary
// outcome, not an error. db.Debug() still shows statements, with placeholders.
type gormLogger struct {
	log   *slog.Logger
	level logger.LogLevel
}

func newGormLogger(l *slog.Logger) logger.Interface {
	return gormLogger{log: l, level: logger.Error}
}

func (g gormLogger) LogMode(level logger.LogLevel) logger.Interface {
	g.level = level
	return g
}

func (g gormLogger) Info(ctx context.Context, msg string, args ...any) {
	if g.level >= logger.Info {
		g.log.InfoContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
	}
}

func (g gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	if g.level >= logger.Warn {
		g.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
	}
}

func (g gormLogger) Error(ctx context.Context, msg string, args ...any) {
	if g.level >= logger.Error {
		g.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
	}
}

// ParamsFilter drops the bound values, so the SQL that Trace receives keeps
// its placeholders.
func (g gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func (g gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if g.level <= logger.Silent {
		return
	}
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, context.Canceled)
	switch {
	case failed && g.level >= logger.Error:
		stmt, _ := fc()
		g.log.ErrorContext(ctx, "gorm: statement failed", "err", err, "sql", stmt, "elapsed", time.Since(begin))
	case g.level >= logger.Info:
		stmt, rows := fc()
		g.log.InfoContext(ctx, "gorm: statement", "sql", stmt, "rows", rows, "elapsed", time.Since(begin))
	}
}
