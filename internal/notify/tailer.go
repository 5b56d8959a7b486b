package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// Tailer defaults, used when the TailerConfig field is zero.
const (
	// DefaultTailInterval keeps cross-replica wake latency near one poll
	// while an idle pass costs one indexed range read per source.
	DefaultTailInterval = 10 * time.Millisecond
	// DefaultTailLookback covers rows whose transactions commit up to 256 ids
	// late, far more than the writes in flight on one database at once.
	DefaultTailLookback = 256
)

const (
	// tailPage is how many rows past the lookback window one query reads, so a
	// burst is published in pages instead of being held in memory at once.
	tailPage = 1024
	// tailLogEvery rate-limits the log of a failing database: an outage at
	// 100 passes a second must not flood the log.
	tailLogEvery = 10 * time.Second
	// tailMaxRetry caps the back-off of a failing source, so wakes resume
	// within about a second of the database coming back.
	tailMaxRetry = time.Second
)

// identRE is what a table or column name may look like; names come from
// code, and the check keeps a typo from becoming SQL.
var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// TailSource is one table whose new rows wake waiters.
type TailSource struct {
	// Table must have an auto-increment integer primary key named id.
	Table string
	// KeyColumn holds the value that, after KeyPrefix, is the published key.
	KeyColumn string
	// KeyPrefix namespaces the keys, e.g. "conv:" for a conversation id.
	KeyPrefix string
	// Where is an optional SQL condition, written in code and never from
	// input; rows for which it is not true publish nothing.
	Where string
}

// TailerConfig configures NewTailer.
type TailerConfig struct {
	// DB is the shared application database (MySQL/MariaDB, or SQLite).
	DB *gorm.DB
	// Interval is the pause between passes; zero means DefaultTailInterval.
	Interval time.Duration
	// Lookback is how many ids below the highest seen id each pass re-reads
	// for rows that committed late; zero means DefaultTailLookback.
	Lookback int
	// Sources are the tables to follow; at least one is required.
	Sources []TailSource
}

// Tailer turns rows written by other processes (other `ccflow server`
// replicas, workers) into Hub wakes, using only the shared database.
//
// Each pass reads, per source, the rows above the last id it has seen and
// publishes KeyPrefix+KeyColumn for every new row that matches Where. Rows
// that existed when Run started are history and are not published.
//
// Late commits (DESIGN §3): ids are taken when a row is inserted but become
// visible when its transaction commits, so a row can appear after rows with
// larger ids, and a reader of "id > last" would skip it for good. A pass
// therefore re-reads from the lowest id not yet seen within the last Lookback
// ids and publishes only ids it has not published before; the set of seen ids
// is bounded by Lookback. A row that commits after more than Lookback newer
// ids is never published by the Tailer: its waiter still finds it at its next
// Hub.Wait fallback re-check, so such a row is delayed, never lost.
//
// Rows written by this process are published again when the Tailer sees
// them; the extra wake coalesces with the direct one and costs nothing.
type Tailer struct {
	db       *gorm.DB
	pub      Publisher
	interval time.Duration
	lookback int64
	sources  []*tailState
	log      *slog.Logger

	running atomic.Bool
	// passes counts passes in which every source was read without error;
	// tests use it to know the start position is taken and time has passed.
	passes atomic.Int64
	// together counts the passes that read every source in one statement.
	together atomic.Int64
	// primedAt is when (unix ns) every source had its start position: rows
	// committed after it are published. lastClean is when the last clean
	// pass after that began: every row committed before then has been.
	primedAt, lastClean atomic.Int64

	// Owned by the Run goroutine: the log rate limit.
	lastLog    time.Time
	suppressed int
	failing    bool
}

// tailState is one source's position; only the Run goroutine touches it.
type tailState struct {
	src       TailSource
	topQuery  string // the newest ids, to take the start position
	pageQuery string // rows above an id, with whether each matches Where
	allPart   string // pageQuery as a part of the pass that reads every source
	primed    bool
	high      int64              // highest id seen
	seen      map[int64]struct{} // ids seen in (high-lookback, high]

	retryDelay time.Duration // back-off after consecutive failures
	retryAt    time.Time     // skip the source until then
}

// NewTailer checks cfg and returns a Tailer that publishes to pub once Run.
func NewTailer(cfg TailerConfig, pub Publisher) (*Tailer, error) {
	if cfg.DB == nil {
		return nil, errors.New("notify: TailerConfig.DB is nil")
	}
	if pub == nil {
		return nil, errors.New("notify: tailer needs a Publisher")
	}
	if cfg.Interval < 0 || cfg.Lookback < 0 {
		return nil, fmt.Errorf("notify: negative tailer Interval (%s) or Lookback (%d)", cfg.Interval, cfg.Lookback)
	}
	if len(cfg.Sources) == 0 {
		return nil, errors.New("notify: tailer has no sources")
	}
	t := &Tailer{
		db:       cfg.DB,
		pub:      pub,
		interval: cfg.Interval,
		lookback: int64(cfg.Lookback),
		log:      slog.Default(),
	}
	if t.interval == 0 {
		t.interval = DefaultTailInterval
	}
	if t.lookback == 0 {
		t.lookback = DefaultTailLookback
	}
	for _, src := range cfg.Sources {
		if !identRE.MatchString(src.Table) {
			return nil, fmt.Errorf("notify: tail source table %q is not a plain lower-case SQL name", src.Table)
		}
		if !identRE.MatchString(src.KeyColumn) {
			return nil, fmt.Errorf("notify: tail source %s: key column %q is not a plain lower-case SQL name", src.Table, src.KeyColumn)
		}
		t.sources = append(t.sources, newTailState(cfg.DB, src, len(t.sources)))
	}
	return t, nil
}

func newTailState(db *gorm.DB, src TailSource, index int) *tailState {
	quote := func(name string) string {
		var b strings.Builder
		db.Dialector.QuoteTo(&b, name)
		return b.String()
	}
	table, key := quote(src.Table), quote(src.KeyColumn)
	match := "1"
	if strings.TrimSpace(src.Where) != "" {
		// Where is evaluated per row rather than filtering in WHERE, so ids of
		// rows that do not match still count as seen: otherwise they would look
		// like uncommitted gaps and keep every pass reading the whole window.
		match = "CASE WHEN (" + src.Where + ") THEN 1 ELSE 0 END"
	}
	// The part of the one-statement pass: numbered so its rows can be told
	// apart, the key cast so the parts agree on type and collation (MariaDB
	// refuses a UNION of differently collated columns). MySQL takes a
	// parenthesized SELECT with its own ORDER BY and LIMIT and reads it
	// without a temporary table; SQLite only takes that as a subquery.
	n := strconv.Itoa(index)
	part := "SELECT " + n + " AS tail_source, id, CAST(" + key + " AS CHAR(255)) AS tail_key, " + match + " AS tail_match FROM " +
		table + " WHERE id > ? ORDER BY id LIMIT ?"
	if db.Dialector.Name() == models.DriverMySQL {
		part = "(" + part + ")"
	} else {
		part = "SELECT * FROM (" + part + ") p" + n
	}
	return &tailState{
		src:       src,
		topQuery:  "SELECT id FROM " + table + " ORDER BY id DESC LIMIT ?",
		pageQuery: "SELECT id, " + key + ", " + match + " FROM " + table + " WHERE id > ? ORDER BY id LIMIT ?",
		allPart:   part,
	}
}

// Run follows the sources until ctx is done, then returns nil. Database errors
// are logged (at most once per 10 s) and retried, never returned; the only
// error is calling Run while another Run of the same Tailer is active.
func (t *Tailer) Run(ctx context.Context) error {
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("notify: Tailer.Run is already running")
	}
	defer t.running.Store(false)
	t.primedAt.Store(0)
	t.lastClean.Store(0)
	for _, s := range t.sources {
		// Each Run starts at the rows present now: history is not replayed.
		s.primed, s.high, s.seen = false, 0, nil
		s.retryDelay, s.retryAt = 0, time.Time{}
	}

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		began := time.Now()
		clean, err := t.pass(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			t.logFailure(err)
		} else if clean {
			t.logRecovery()
			t.passes.Add(1)
			if t.primedAt.Load() == 0 {
				t.primedAt.Store(time.Now().UnixNano())
			} else {
				t.lastClean.Store(began.UnixNano())
			}
		}
		timer.Reset(t.interval)
	}
}

// Current tells how far the Tailer has come: rows committed after primed
// are published (before it they were history), and every such row committed
// before last has been. Both are zero until the first pass after the start
// position was taken.
func (t *Tailer) Current() (primed, last time.Time) {
	l := t.lastClean.Load()
	if l == 0 {
		return time.Time{}, time.Time{}
	}
	return time.Unix(0, t.primedAt.Load()), time.Unix(0, l)
}

// pass reads every source that is not backing off after a failure; a failing
// source does not slow down the others. clean reports that every source was
// read.
func (t *Tailer) pass(ctx context.Context) (clean bool, err error) {
	now := time.Now()
	if t.allFollowing(now) {
		// One statement for every source, instead of one each: with three
		// sources and every replica and worker tailing, idle passes were most
		// of a scaled-out database's statements. If it fails, the sources are
		// read one by one below, so that only a failing one backs off.
		if err := t.followAll(ctx); err == nil {
			for _, s := range t.sources {
				s.retryDelay, s.retryAt = 0, time.Time{}
			}
			t.together.Add(1)
			return true, nil
		}
	}
	var errs []error
	clean = true
	for _, s := range t.sources {
		if now.Before(s.retryAt) {
			clean = false
			continue
		}
		var err error
		if s.primed {
			err = t.follow(ctx, s)
		} else {
			err = t.prime(ctx, s)
		}
		if err != nil {
			clean = false
			// Back off exponentially so a down database is not hammered 100
			// times a second, but never past tailMaxRetry.
			s.retryDelay = min(max(2*s.retryDelay, t.interval), max(tailMaxRetry, t.interval))
			s.retryAt = time.Now().Add(s.retryDelay)
			errs = append(errs, fmt.Errorf("tail %s: %w", s.src.Table, err))
			continue
		}
		s.retryDelay, s.retryAt = 0, time.Time{}
	}
	return clean, errors.Join(errs...)
}

// prime takes the start position from one statement, so the highest id and
// the ids visible below it come from the same snapshot: a row below the top
// that commits later is then published, not taken for history.
func (t *Tailer) prime(ctx context.Context, s *tailState) error {
	rows, err := t.db.WithContext(ctx).Raw(s.topQuery, t.lookback).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.high = 0
	if len(ids) > 0 {
		s.high = ids[0]
	}
	s.seen = make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		if id > s.high-t.lookback {
			s.seen[id] = struct{}{}
		}
	}
	s.primed = true
	return nil
}

// follow publishes the rows that appeared since the last pass, re-reading
// from the lowest id of the lookback window that has not been seen yet.
func (t *Tailer) follow(ctx context.Context, s *tailState) error {
	return t.followFrom(ctx, s, s.floor(t.lookback), int(t.lookback)+tailPage)
}

// followFrom reads pages of limit rows above after until one is not full.
func (t *Tailer) followFrom(ctx context.Context, s *tailState, after int64, limit int) error {
	for {
		n, last, keys, err := t.page(ctx, s, after, limit)
		// Publish what was read even if the page broke off: those rows are
		// marked seen and would never be published otherwise.
		if len(keys) > 0 {
			t.pub.Publish(keys...)
		}
		s.prune(t.lookback)
		if err != nil || n < limit {
			return err
		}
		after = last
	}
}

// page reads up to limit rows above after, marks them seen and returns the
// distinct keys of the new matching ones.
func (t *Tailer) page(ctx context.Context, s *tailState, after int64, limit int) (n int, last int64, keys []string, err error) {
	rows, err := t.db.WithContext(ctx).Raw(s.pageQuery, after, limit).Rows()
	if err != nil {
		return 0, 0, nil, err
	}
	defer rows.Close()
	distinct := make(map[string]struct{})
	for rows.Next() {
		var (
			id    int64
			key   sql.NullString
			match int64
		)
		if err := rows.Scan(&id, &key, &match); err != nil {
			return n, last, keys, err
		}
		n, last = n+1, id
		keys = t.see(s, id, key, match, distinct, keys)
	}
	return n, last, keys, rows.Err()
}

// see marks a row read and appends its key to keys if the row is new and
// matches; distinct keeps a key from being appended twice.
func (t *Tailer) see(s *tailState, id int64, key sql.NullString, match int64, distinct map[string]struct{}, keys []string) []string {
	if _, ok := s.seen[id]; ok || id <= s.high-t.lookback {
		return keys
	}
	s.seen[id] = struct{}{}
	s.high = max(s.high, id)
	if match == 0 || !key.Valid {
		return keys
	}
	k := s.src.KeyPrefix + key.String
	if _, ok := distinct[k]; !ok {
		distinct[k] = struct{}{}
		keys = append(keys, k)
	}
	return keys
}

// allFollowing reports whether one statement can read every source: there
// are several, each has its start position and none is backing off.
func (t *Tailer) allFollowing(now time.Time) bool {
	if len(t.sources) < 2 {
		return false
	}
	for _, s := range t.sources {
		if !s.primed || now.Before(s.retryAt) {
			return false
		}
	}
	return true
}

// followAll is follow for every source in one statement (a UNION ALL of
// each source's page, told apart by a source number). A source that filled
// its page reads on alone, as follow does. Rows within a part may come in
// any order: see does not rely on it, and the next page starts above the
// part's highest id.
func (t *Tailer) followAll(ctx context.Context) error {
	limit := int(t.lookback) + tailPage
	parts := make([]string, len(t.sources))
	args := make([]any, 0, 2*len(t.sources))
	for i, s := range t.sources {
		parts[i] = s.allPart
		args = append(args, s.floor(t.lookback), limit)
	}
	rows, err := t.db.WithContext(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Rows()
	if err != nil {
		return err
	}
	n := make([]int, len(t.sources))
	top := make([]int64, len(t.sources))
	keys := make([][]string, len(t.sources))
	distinct := make([]map[string]struct{}, len(t.sources))
	for i := range distinct {
		distinct[i] = make(map[string]struct{})
	}
	for rows.Next() {
		var (
			src   int
			id    int64
			key   sql.NullString
			match int64
		)
		if err = rows.Scan(&src, &id, &key, &match); err != nil {
			break
		}
		if src < 0 || src >= len(t.sources) {
			err = fmt.Errorf("notify: tailer read source %d of %d", src, len(t.sources))
			break
		}
		n[src], top[src] = n[src]+1, max(top[src], id)
		keys[src] = t.see(t.sources[src], id, key, match, distinct[src], keys[src])
	}
	if err == nil {
		err = rows.Err()
	}
	_ = rows.Close()
	// Publish what was read even if the read broke off, as follow does: those
	// rows are marked seen and would never be published otherwise.
	for i, s := range t.sources {
		if len(keys[i]) > 0 {
			t.pub.Publish(keys[i]...)
		}
		s.prune(t.lookback)
	}
	if err != nil {
		return err
	}
	for i, s := range t.sources {
		if n[i] == limit {
			if err := t.followFrom(ctx, s, top[i], limit); err != nil {
				return err
			}
		}
	}
	return nil
}

// floor is the id to read above: the highest id below which everything in
// the lookback window has been seen. With no gaps that is high itself, so a
// quiet pass reads no rows at all.
func (s *tailState) floor(lookback int64) int64 {
	f := max(s.high-lookback, 0) // auto-increment ids start at 1
	for f < s.high {
		if _, ok := s.seen[f+1]; !ok {
			break
		}
		f++
	}
	return f
}

// prune forgets ids that fell out of the lookback window, bounding seen.
func (s *tailState) prune(lookback int64) {
	for id := range s.seen {
		if id <= s.high-lookback {
			delete(s.seen, id)
		}
	}
}

func (t *Tailer) logFailure(err error) {
	t.failing = true
	now := time.Now()
	if !t.lastLog.IsZero() && now.Sub(t.lastLog) < tailLogEvery {
		t.suppressed++
		return
	}
	t.log.Warn("notify: tailer cannot read the database; retrying (cross-replica wakes wait for the fallback re-check meanwhile)",
		"err", err, "suppressed", t.suppressed)
	t.lastLog, t.suppressed = now, 0
}

func (t *Tailer) logRecovery() {
	if t.failing {
		t.failing = false
		t.log.Info("notify: tailer reads the database again")
	}
}
