package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// tailWait bounds how long a test waits for a publish; generous because the
// race detector and a shared 2-core machine slow everything down.
const tailWait = 10 * time.Second

// tailInterval is fast enough for short tests and slow enough to keep a
// MariaDB under -race from spending the test on tailer queries.
const tailInterval = 5 * time.Millisecond

// recorder is a Publisher that counts every key it is given.
type recorder struct {
	mu     sync.Mutex
	counts map[string]int
}

func newRecorder() *recorder { return &recorder{counts: map[string]int{}} }

func (r *recorder) Publish(keys ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		r.counts[k]++
	}
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[key]
}

func (r *recorder) waitFor(t *testing.T, key string) {
	t.Helper()
	require.Eventually(t, func() bool { return r.count(key) > 0 }, tailWait, time.Millisecond, "key %q was never published", key)
}

// tailRow is a row of the test table; gorm fills ID on insert on both databases.
type tailRow struct {
	ID        int64
	Conv      *string
	Direction *string
}

func str(s string) *string { return &s }

type backend struct {
	db  *gorm.DB
	ddl string // CREATE TABLE %s (...)
}

func sqliteBackend(t *testing.T) backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := models.Open(ctx, models.DriverSQLite, models.SQLiteDSN(filepath.Join(t.TempDir(), "notify.db")))
	require.NoError(t, err)
	t.Cleanup(func() { closeDB(db) })
	return backend{db: db, ddl: "CREATE TABLE %s (id INTEGER PRIMARY KEY AUTOINCREMENT, conv TEXT, direction TEXT)"}
}

// mysqlBackend follows the repository's convention (modelstest): a fresh
// database per test, skipped without a server locally, failing under CI.
func mysqlBackend(t *testing.T) backend {
	t.Helper()
	dsn := modelstest.MySQLDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := models.Open(ctx, models.DriverMySQL, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { closeDB(db) })
	return backend{db: db, ddl: "CREATE TABLE %s (id BIGINT AUTO_INCREMENT PRIMARY KEY, conv VARCHAR(64), direction VARCHAR(16)) ENGINE=InnoDB"}
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// table creates a uniquely named table, dropped when the test ends.
func (b backend) table(t *testing.T) string {
	t.Helper()
	buf := make([]byte, 6)
	_, err := rand.Read(buf)
	require.NoError(t, err)
	name := "notify_tail_" + hex.EncodeToString(buf)
	require.NoError(t, b.db.Exec(fmt.Sprintf(b.ddl, name)).Error)
	t.Cleanup(func() {
		if err := b.db.Exec("DROP TABLE IF EXISTS " + name).Error; err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return name
}

func insert(t *testing.T, db *gorm.DB, table string, row tailRow) int64 {
	t.Helper()
	require.NoError(t, db.Table(table).Create(&row).Error)
	require.NotZero(t, row.ID)
	return row.ID
}

// startTailer runs a Tailer until the test ends (or stop is called) and
// returns once it has taken its start position, so rows inserted afterwards
// are not history.
func startTailer(t *testing.T, cfg TailerConfig, pub Publisher) (tl *Tailer, stop func()) {
	t.Helper()
	if cfg.Interval == 0 {
		cfg.Interval = tailInterval
	}
	tl, err := NewTailer(cfg, pub)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			require.NoError(t, <-done)
		}
	}
	t.Cleanup(stop)
	tl.awaitPasses(t, 1)
	return tl, stop
}

// awaitPasses waits for n more clean passes over every source.
func (t *Tailer) awaitPasses(tb testing.TB, n int64) {
	tb.Helper()
	target := t.passes.Load() + n
	require.Eventually(tb, func() bool { return t.passes.Load() >= target }, tailWait, time.Millisecond, "tailer made no progress")
}

func TestTailerSQLite(t *testing.T) { tailerSuite(t, sqliteBackend) }

func TestTailerMySQL(t *testing.T) { tailerSuite(t, mysqlBackend) }

// tailerSuite runs each case with its sources alone, and again beside a
// companion source on another table, so that a pass reads them all in one
// statement (followAll) rather than one by one.
func tailerSuite(t *testing.T, open func(*testing.T) backend) {
	t.Run("alone", func(t *testing.T) { tailerCases(t, open, false) })
	t.Run("beside another source", func(t *testing.T) { tailerCases(t, open, true) })
}

func tailerCases(t *testing.T, open func(*testing.T) backend, companion bool) {
	start := func(t *testing.T, b backend, cfg TailerConfig, rec *recorder) *Tailer {
		t.Helper()
		cfg.DB = b.db
		if companion {
			cfg.Sources = append(cfg.Sources, TailSource{Table: b.table(t), KeyColumn: "conv", KeyPrefix: "companion:"})
		}
		tl, _ := startTailer(t, cfg, rec)
		if len(cfg.Sources) > 1 {
			t.Cleanup(func() { require.Positive(t, tl.together.Load(), "the sources were read in one statement") })
		}
		return tl
	}
	t.Run("publishes rows from another connection", func(t *testing.T) {
		b := open(t)
		tbl := b.table(t)
		insert(t, b.db, tbl, tailRow{Conv: str("history"), Direction: str("to_visiter")})
		rec := newRecorder()
		start(t, b, TailerConfig{Sources: []TailSource{
			{Table: tbl, KeyColumn: "conv", KeyPrefix: "conv:"},
			{Table: tbl, KeyColumn: "id", KeyPrefix: "row:"}, // an integer key column
		}}, rec)

		id := insert(t, b.db, tbl, tailRow{Conv: str("c1"), Direction: str("to_visiter")})
		rec.waitFor(t, "conv:c1")
		rec.waitFor(t, fmt.Sprintf("row:%d", id))
		require.Zero(t, rec.count("conv:history"), "rows present at start are not replayed")
	})

	t.Run("where filter excludes rows", func(t *testing.T) {
		b := open(t)
		tbl := b.table(t)
		rec := newRecorder()
		tl := start(t, b, TailerConfig{Sources: []TailSource{
			{Table: tbl, KeyColumn: "conv", KeyPrefix: "conv:", Where: "direction = 'to_visiter'"},
		}}, rec)

		insert(t, b.db, tbl, tailRow{Conv: str("agent-side"), Direction: str("to_agent")})
		insert(t, b.db, tbl, tailRow{Conv: str("no-direction")}) // NULL: not true
		insert(t, b.db, tbl, tailRow{Conv: str("visitor-side"), Direction: str("to_visiter")})
		rec.waitFor(t, "conv:visitor-side")
		tl.awaitPasses(t, 3)
		require.Zero(t, rec.count("conv:agent-side"))
		require.Zero(t, rec.count("conv:no-direction"))
	})

	t.Run("each row is published once", func(t *testing.T) {
		b := open(t)
		tbl := b.table(t)
		rec := newRecorder()
		tl := start(t, b, TailerConfig{Sources: []TailSource{
			{Table: tbl, KeyColumn: "id", KeyPrefix: "row:"},
		}}, rec)
		var ids []int64
		for i := range 20 {
			ids = append(ids, insert(t, b.db, tbl, tailRow{Conv: str(fmt.Sprint(i))}))
		}
		for _, id := range ids {
			rec.waitFor(t, fmt.Sprintf("row:%d", id))
		}
		tl.awaitPasses(t, 5)
		for _, id := range ids {
			require.Equal(t, 1, rec.count(fmt.Sprintf("row:%d", id)), "row %d", id)
		}
	})

	// A row that appears below ids already published (what a late commit
	// looks like to a reader) is published. Explicit ids make it deterministic
	// on SQLite, whose writers commit in id order.
	t.Run("row appearing below the high water is published", func(t *testing.T) {
		b := open(t)
		tbl := b.table(t)
		base := insert(t, b.db, tbl, tailRow{Conv: str("base")})
		rec := newRecorder()
		tl := start(t, b, TailerConfig{Sources: []TailSource{
			{Table: tbl, KeyColumn: "conv", KeyPrefix: "conv:"},
		}}, rec)

		gap := base + 1
		for i := int64(1); i <= 5; i++ {
			insert(t, b.db, tbl, tailRow{ID: gap + i, Conv: str(fmt.Sprintf("after-%d", i))})
		}
		for i := 1; i <= 5; i++ {
			rec.waitFor(t, fmt.Sprintf("conv:after-%d", i))
		}
		tl.awaitPasses(t, 3)
		insert(t, b.db, tbl, tailRow{ID: gap, Conv: str("late")})
		rec.waitFor(t, "conv:late")
		tl.awaitPasses(t, 3)
		require.Equal(t, 1, rec.count("conv:late"))
		require.Equal(t, 1, rec.count("conv:after-5"))
	})

	// A burst larger than a page: the pass that reads every source at once
	// reads the full source on alone, and every row is published once.
	t.Run("a burst larger than a page", func(t *testing.T) {
		b := open(t)
		tbl := b.table(t)
		rec := newRecorder()
		tl := start(t, b, TailerConfig{Lookback: 4, Sources: []TailSource{
			{Table: tbl, KeyColumn: "id", KeyPrefix: "row:"},
		}}, rec)
		rows := make([]tailRow, tailPage+300)
		for i := range rows {
			rows[i].Conv = str(fmt.Sprint(i))
		}
		require.NoError(t, b.db.Table(tbl).CreateInBatches(&rows, len(rows)).Error) // one statement: the rows appear together
		for _, r := range rows {
			rec.waitFor(t, fmt.Sprintf("row:%d", r.ID))
		}
		tl.awaitPasses(t, 3)
		for _, r := range rows {
			require.Equal(t, 1, rec.count(fmt.Sprintf("row:%d", r.ID)), "row %d", r.ID)
		}
	})
}

// The DESIGN §3 scenario with real transactions: T1 takes id N, rows N+1..N+5
// commit and are published, then T1 commits; its row must not be skipped.
func TestTailerLateCommitMySQL(t *testing.T) {
	b := mysqlBackend(t)
	tbl := b.table(t)
	rec := newRecorder()
	tl, _ := startTailer(t, TailerConfig{DB: b.db, Sources: []TailSource{
		{Table: tbl, KeyColumn: "conv", KeyPrefix: "conv:", Where: "direction = 'to_visiter'"},
	}}, rec)

	tx := b.db.Begin()
	require.NoError(t, tx.Error)
	defer tx.Rollback()
	late := tailRow{Conv: str("late"), Direction: str("to_visiter")}
	require.NoError(t, tx.Table(tbl).Create(&late).Error)

	for i := 1; i <= 5; i++ {
		id := insert(t, b.db, tbl, tailRow{Conv: str(fmt.Sprintf("after-%d", i)), Direction: str("to_visiter")})
		require.Equal(t, late.ID+int64(i), id, "the open transaction holds the smaller id")
	}
	for i := 1; i <= 5; i++ {
		rec.waitFor(t, fmt.Sprintf("conv:after-%d", i))
	}
	tl.awaitPasses(t, 5)
	require.Zero(t, rec.count("conv:late"), "an uncommitted row must be invisible to the tailer")

	require.NoError(t, tx.Commit().Error)
	rec.waitFor(t, "conv:late")
	tl.awaitPasses(t, 3)
	require.Equal(t, 1, rec.count("conv:late"))
}

// countHandler counts log records by level.
type countHandler struct {
	mu     sync.Mutex
	levels map[slog.Level]int
}

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.levels[r.Level]++
	return nil
}
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countHandler) WithGroup(string) slog.Handler      { return h }
func (h *countHandler) count(l slog.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.levels[l]
}

// A database error is retried, logged once per 10 s, and never stops Run.
func TestTailerSurvivesErrors(t *testing.T) {
	b := sqliteBackend(t)
	tbl := "notify_missing_" + fmt.Sprint(time.Now().UnixNano())
	rec := newRecorder()
	logs := &countHandler{levels: map[slog.Level]int{}}
	tl, err := NewTailer(TailerConfig{DB: b.db, Interval: time.Millisecond, Sources: []TailSource{
		{Table: tbl, KeyColumn: "conv", KeyPrefix: "conv:"},
	}}, rec)
	require.NoError(t, err)
	tl.log = slog.New(logs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()

	time.Sleep(400 * time.Millisecond) // several failed passes with back-off
	require.Equal(t, 1, logs.count(slog.LevelWarn), "failures are logged once per 10 s")
	require.Zero(t, tl.passes.Load())

	require.NoError(t, b.db.Exec(fmt.Sprintf("CREATE TABLE %s (id INTEGER PRIMARY KEY AUTOINCREMENT, conv TEXT, direction TEXT)", tbl)).Error)
	tl.awaitPasses(t, 1)
	insert(t, b.db, tbl, tailRow{Conv: str("after-outage")})
	rec.waitFor(t, "conv:after-outage")
	require.Equal(t, 1, logs.count(slog.LevelInfo), "recovery is logged")

	cancel()
	require.NoError(t, <-done)
	require.Greater(t, tl.suppressed, 0, "there were failures beyond the logged one")
}

// Sources whose key columns differ in type and collation (the app's
// chat_records, agent_events and auth_changes do on MariaDB) are still read
// in one statement.
func TestTailerReadsDifferentKeyColumnsTogetherMySQL(t *testing.T) {
	b := mysqlBackend(t)
	bin, ci := b.table(t), b.table(t)
	require.NoError(t, b.db.Exec("ALTER TABLE "+bin+" MODIFY conv VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci").Error)
	require.NoError(t, b.db.Exec("ALTER TABLE "+ci+" MODIFY conv VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error)
	rec := newRecorder()
	tl, _ := startTailer(t, TailerConfig{DB: b.db, Sources: []TailSource{
		{Table: bin, KeyColumn: "conv", KeyPrefix: "bin:"},
		{Table: ci, KeyColumn: "conv", KeyPrefix: "ci:"},
		{Table: ci, KeyColumn: "id", KeyPrefix: "row:"},
	}}, rec)
	insert(t, b.db, bin, tailRow{Conv: str("a")})
	id := insert(t, b.db, ci, tailRow{Conv: str("b")})
	rec.waitFor(t, "bin:a")
	rec.waitFor(t, "ci:b")
	rec.waitFor(t, fmt.Sprintf("row:%d", id))
	before := tl.together.Load()
	tl.awaitPasses(t, 3)
	require.GreaterOrEqual(t, tl.together.Load()-before, int64(3), "every pass read the sources in one statement")
}

// A source that cannot be read does not hold up the others when they are
// read together: the pass falls back to reading them one by one.
func TestTailerReadsOnBesideAFailingSource(t *testing.T) {
	b := sqliteBackend(t)
	tbl := b.table(t)
	rec := newRecorder()
	tl, err := NewTailer(TailerConfig{DB: b.db, Interval: time.Millisecond, Sources: []TailSource{
		{Table: tbl, KeyColumn: "conv", KeyPrefix: "conv:"},
		{Table: b.table(t), KeyColumn: "conv", KeyPrefix: "other:"},
	}}, rec)
	require.NoError(t, err)
	tl.log = slog.New(&countHandler{levels: map[slog.Level]int{}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	tl.awaitPasses(t, 2)

	require.NoError(t, b.db.Exec("DROP TABLE "+tl.sources[1].src.Table).Error)
	insert(t, b.db, tbl, tailRow{Conv: str("still-followed")})
	rec.waitFor(t, "conv:still-followed")

	cancel()
	require.NoError(t, <-done)
}

// The seen set stays within the lookback window however many rows pass.
func TestTailerSeenIsBounded(t *testing.T) {
	b := sqliteBackend(t)
	tbl := b.table(t)
	rec := newRecorder()
	tl, stop := startTailer(t, TailerConfig{DB: b.db, Lookback: 8, Sources: []TailSource{
		{Table: tbl, KeyColumn: "id", KeyPrefix: "row:"},
	}}, rec)
	var last int64
	for i := range 100 {
		last = insert(t, b.db, tbl, tailRow{Conv: str(fmt.Sprint(i))})
	}
	rec.waitFor(t, fmt.Sprintf("row:%d", last))
	stop() // the state belongs to Run's goroutine until it returns
	s := tl.sources[0]
	require.Equal(t, last, s.high)
	require.LessOrEqual(t, len(s.seen), 8)
	require.Equal(t, last, s.floor(tl.lookback), "with no gaps a pass reads only new rows")
}

func TestNewTailerValidates(t *testing.T) {
	b := sqliteBackend(t)
	ok := TailSource{Table: "messages", KeyColumn: "conversation_id"}
	for name, tc := range map[string]struct {
		cfg TailerConfig
		pub Publisher
	}{
		"nil db":          {TailerConfig{Sources: []TailSource{ok}}, NewHub()},
		"nil publisher":   {TailerConfig{DB: b.db, Sources: []TailSource{ok}}, nil},
		"no sources":      {TailerConfig{DB: b.db}, NewHub()},
		"negative lookbk": {TailerConfig{DB: b.db, Lookback: -1, Sources: []TailSource{ok}}, NewHub()},
		"quoted table":    {TailerConfig{DB: b.db, Sources: []TailSource{{Table: "x`; DROP TABLE y", KeyColumn: "k"}}}, NewHub()},
		"upper column":    {TailerConfig{DB: b.db, Sources: []TailSource{{Table: "messages", KeyColumn: "Conv"}}}, NewHub()},
		"empty column":    {TailerConfig{DB: b.db, Sources: []TailSource{{Table: "messages"}}}, NewHub()},
		"digit first":     {TailerConfig{DB: b.db, Sources: []TailSource{{Table: "1messages", KeyColumn: "k"}}}, NewHub()},
	} {
		_, err := NewTailer(tc.cfg, tc.pub)
		require.Error(t, err, name)
	}
	tl, err := NewTailer(TailerConfig{DB: b.db, Sources: []TailSource{ok}}, NewHub())
	require.NoError(t, err)
	require.Equal(t, DefaultTailInterval, tl.interval)
	require.Equal(t, int64(DefaultTailLookback), tl.lookback)
}
