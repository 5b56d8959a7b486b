package modelstest

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"
)

// Statements counts the statements run on a database, by verb and table
// ("select chat_records", "update agent_feeds"), for tests of how much a
// read or a write costs the database. It counts at the connection pool, so
// statements GORM builds and statements the hot paths write out count alike.
type Statements struct {
	mu sync.Mutex
	n  map[string]int
}

// CountStatements counts db's statements from now on, in and out of
// transactions (savepoints and other statements are not counted).
func CountStatements(t testing.TB, db *gorm.DB) *Statements {
	t.Helper()
	s := &Statements{n: map[string]int{}}
	InterceptStatements(db, func(query string) error {
		s.count(query)
		return nil
	})
	return s
}

// Take answers the counts since the last Take and starts again from zero.
func (s *Statements) Take() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.n
	s.n = map[string]int{}
	return got
}

// count notes query under its verb and table.
func (s *Statements) count(query string) {
	words := strings.Fields(strings.ToLower(query))
	if len(words) < 2 {
		return
	}
	verb, table := words[0], ""
	after := map[string]string{"select": "from", "insert": "into", "delete": "from"}[verb]
	switch {
	case verb == "update":
		table = words[1]
	case after != "":
		for i, w := range words[:len(words)-1] {
			if w == after {
				table = words[i+1]
				break
			}
		}
	default:
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[verb+" "+strings.Trim(table, "`\"")]++
}

// InterceptStatements makes every statement on db from now on, and every
// transaction's begin, call before first: an error from it fails the
// statement without running it (a test's database outage). It changes db in
// place, so every handle made from it, before or after, is intercepted.
func InterceptStatements(db *gorm.DB, before func(query string) error) {
	p := &interceptedPool{ConnPool: db.Statement.ConnPool, before: before}
	db.Statement.ConnPool = p
	db.ConnPool = p
}

// interceptedPool is a database's pool or a transaction with a hook before
// each statement.
type interceptedPool struct {
	gorm.ConnPool
	before func(query string) error
}

// PrepareContext prepares query unless the hook refuses it.
func (p *interceptedPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := p.before(query); err != nil {
		return nil, err
	}
	return p.ConnPool.PrepareContext(ctx, query)
}

// ExecContext runs query unless the hook refuses it.
func (p *interceptedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := p.before(query); err != nil {
		return nil, err
	}
	return p.ConnPool.ExecContext(ctx, query, args...)
}

// QueryContext runs query unless the hook refuses it.
func (p *interceptedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := p.before(query); err != nil {
		return nil, err
	}
	return p.ConnPool.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query unless the hook refuses it. A *sql.Row cannot
// carry an error made outside database/sql, so a refused row runs on a
// cancelled context and its Scan answers context.Canceled; the hot paths
// read single rows through models.QueryOne, which answers the hook's error.
func (p *interceptedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := p.before(query); err != nil {
		refused, cancel := context.WithCancel(ctx)
		cancel()
		return p.ConnPool.QueryRowContext(refused, query, args...)
	}
	return p.ConnPool.QueryRowContext(ctx, query, args...)
}

// BeginTx begins a transaction whose statements are intercepted too,
// unless the hook refuses the begin.
func (p *interceptedPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	if err := p.before("BEGIN"); err != nil {
		return nil, err
	}
	var inner gorm.ConnPool
	var err error
	switch b := p.ConnPool.(type) {
	case gorm.TxBeginner:
		inner, err = b.BeginTx(ctx, opts)
	case gorm.ConnPoolBeginner:
		inner, err = b.BeginTx(ctx, opts)
	default:
		return nil, gorm.ErrInvalidTransaction
	}
	if err != nil {
		return nil, err
	}
	return &interceptedTx{interceptedPool{ConnPool: inner, before: p.before}}, nil
}

// interceptedTx is an intercepted transaction: gorm commits and rolls back through it.
type interceptedTx struct{ interceptedPool }

// Commit commits the transaction.
func (t *interceptedTx) Commit() error { return t.ConnPool.(gorm.TxCommitter).Commit() }

// Rollback rolls the transaction back.
func (t *interceptedTx) Rollback() error { return t.ConnPool.(gorm.TxCommitter).Rollback() }
