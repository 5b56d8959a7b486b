package models

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
)

// SQLite statement cache. SQLite compiles every statement before it runs it,
// and under ccbench compiling took a tenth of the all-in-one's CPU even with
// GORM's PrepareStmt on: GORM prepares a statement first seen inside a
// transaction on that transaction, and database/sql then prepares it again
// in every later transaction. This cache sits below database/sql instead, on
// each connection: a query or exec of a text the connection has compiled
// before reuses the compiled statement, in or out of a transaction.
//
// database/sql never uses one connection from two goroutines at once, so a
// connection's cache needs no lock. A cached statement whose rows are still
// open (a second query on the same transaction while the first one's rows
// are read) is busy: the second query then compiles a statement of its own,
// as it would without the cache.

// stmtCacheSize bounds the statements kept compiled per connection; IN lists
// make statements of many shapes, and each costs SQLite memory.
const stmtCacheSize = 256

// sqliteConn is what the modernc driver's connections implement and what
// the cache needs to forward.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteRows is what the modernc driver's rows implement; GORM reads the
// column types.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// sqliteStmt is a compiled statement of the modernc driver.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// stmtCacheConnector opens driver connections that keep their statements compiled.
type stmtCacheConnector struct {
	drv  driver.Driver
	dsn  string
	size int
}

// Connect opens one connection with its own statement cache.
func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("sqlite driver connection %T lacks the interfaces the statement cache forwards", conn)
	}
	return &cachingConn{sqliteConn: sc, size: c.size, stmts: map[string]*cachedStmt{}, lru: list.New()}, nil
}

// Driver returns the wrapped driver.
func (c stmtCacheConnector) Driver() driver.Driver { return c.drv }

// cachingConn is a connection with its compiled statements, least recently
// used first in lru.
type cachingConn struct {
	sqliteConn
	size  int
	stmts map[string]*cachedStmt
	lru   *list.List
}

type cachedStmt struct {
	stmt  sqliteStmt
	query string
	elem  *list.Element
	// busy is set while rows of the statement are open.
	busy bool
	// evicted statements are closed once their rows close.
	evicted bool
}

// ExecContext runs query on its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		if err != nil {
			return nil, err
		}
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

// QueryContext runs query on its cached statement, which stays busy until
// the rows close.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		if err != nil {
			return nil, err
		}
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	sr, ok := rows.(sqliteRows)
	if !ok {
		_ = rows.Close()
		return nil, fmt.Errorf("sqlite driver rows %T lack the column type methods", rows)
	}
	s.busy = true
	return &cachedRows{sqliteRows: sr, s: s}, nil
}

// stmt returns the compiled statement of query, compiling it on first use;
// nil (and no error) when that statement is busy.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToBack(s.elem)
		return s, nil
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(sqliteStmt)
	if !ok {
		_ = ds.Close()
		return nil, fmt.Errorf("sqlite driver statement %T lacks ExecContext or QueryContext", ds)
	}
	s := &cachedStmt{stmt: st, query: query}
	s.elem = c.lru.PushBack(s)
	c.stmts[query] = s
	for c.lru.Len() > c.size {
		old := c.lru.Remove(c.lru.Front()).(*cachedStmt)
		delete(c.stmts, old.query)
		old.evicted = true
		if !old.busy {
			if err := old.stmt.Close(); err != nil {
				return nil, fmt.Errorf("close evicted statement: %w", err)
			}
		}
	}
	return s, nil
}

// Close closes every cached statement, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
	}
	c.stmts, c.lru = nil, list.New()
	errs = append(errs, c.sqliteConn.Close())
	return errors.Join(errs...)
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	sqliteRows
	s *cachedStmt
}

// Close resets the statement (the driver keeps it compiled) and frees it.
func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	r.s.busy = false
	if r.s.evicted {
		err = errors.Join(err, r.s.stmt.Close())
	}
	return err
}
