package models

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// openCached opens a one-connection SQLite database behind the statement
// cache, so every call below uses the same connection and its cache.
func openCached(t *testing.T, size int) *sql.DB {
	t.Helper()
	drv, err := sqliteDriver()
	require.NoError(t, err)
	db := sql.OpenDB(stmtCacheConnector{drv: drv, dsn: SQLiteDSN(filepath.Join(t.TempDir(), "c.db")), size: size})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
	require.NoError(t, err)
	return db
}

// cached returns the connection's cached statement of query, or nil.
func cached(t *testing.T, db *sql.DB, query string) *cachedStmt {
	t.Helper()
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close()) }()
	var s *cachedStmt
	require.NoError(t, conn.Raw(func(dc any) error {
		s = dc.(*cachingConn).stmts[query]
		return nil
	}))
	return s
}

func TestStmtCacheReusesStatementsAcrossTransactions(t *testing.T) {
	db := openCached(t, 8)
	const ins = "INSERT INTO t (id, v) VALUES (?, ?)"
	var first *cachedStmt
	for i := 1; i <= 3; i++ {
		tx, err := db.Begin()
		require.NoError(t, err)
		_, err = tx.Exec(ins, i, "x")
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
		if i == 1 {
			first = cached(t, db, ins)
			require.NotNil(t, first, "the statement is cached after its first transaction")
		}
	}
	require.Same(t, first, cached(t, db, ins), "later transactions reuse the first compile")
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM t").Scan(&n))
	require.Equal(t, 3, n)
}

func TestStmtCacheSameQueryWhileItsRowsAreOpen(t *testing.T) {
	db := openCached(t, 8)
	for i := 1; i <= 3; i++ {
		_, err := db.Exec("INSERT INTO t (id, v) VALUES (?, ?)", i, "v")
		require.NoError(t, err)
	}
	tx, err := db.Begin()
	require.NoError(t, err)
	defer func() { require.NoError(t, tx.Rollback()) }()
	const q = "SELECT id FROM t WHERE id >= ? ORDER BY id"
	outer, err := tx.Query(q, 1)
	require.NoError(t, err)
	var got [][]int
	for outer.Next() {
		var id int
		require.NoError(t, outer.Scan(&id))
		// The same text again while outer's rows are open: a busy cached
		// statement must not be reset under outer.
		inner, err := tx.Query(q, id)
		require.NoError(t, err)
		var ids []int
		for inner.Next() {
			var x int
			require.NoError(t, inner.Scan(&x))
			ids = append(ids, x)
		}
		require.NoError(t, inner.Close())
		got = append(got, ids)
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	require.Equal(t, [][]int{{1, 2, 3}, {2, 3}, {3}}, got)
}

func TestStmtCacheEvictsLeastRecentlyUsed(t *testing.T) {
	db := openCached(t, 2)
	queries := []string{"SELECT 1", "SELECT 2", "SELECT 3"}
	for _, q := range queries {
		var n int
		require.NoError(t, db.QueryRow(q).Scan(&n))
	}
	require.Nil(t, cached(t, db, "SELECT 1"), "evicted past the bound")
	require.NotNil(t, cached(t, db, "SELECT 3"))
	// An evicted statement's query still works: it compiles again.
	var n int
	require.NoError(t, db.QueryRow("SELECT 1").Scan(&n))
	require.Equal(t, 1, n)
}

func TestStmtCacheEvictsABusyStatementOnlyOnceItsRowsClose(t *testing.T) {
	db := openCached(t, 1)
	_, err := db.Exec("INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b')")
	require.NoError(t, err)
	tx, err := db.Begin()
	require.NoError(t, err)
	rows, err := tx.Query("SELECT v FROM t ORDER BY id")
	require.NoError(t, err)
	require.True(t, rows.Next())
	// Evicts the open query's statement, which must go on reading.
	_, err = tx.Exec("UPDATE t SET v = 'z' WHERE id = 99")
	require.NoError(t, err)
	var vs []string
	for more := true; more; more = rows.Next() {
		var v string
		require.NoError(t, rows.Scan(&v))
		vs = append(vs, v)
	}
	require.NoError(t, rows.Close())
	require.NoError(t, tx.Commit())
	require.Equal(t, []string{"a", "b"}, vs)
}

func TestStmtCacheSeesSchemaChanges(t *testing.T) {
	db := openCached(t, 8)
	_, err := db.Exec("INSERT INTO t (id, v) VALUES (1, 'a')")
	require.NoError(t, err)
	cols := func() []string {
		rows, err := db.Query("SELECT * FROM t")
		require.NoError(t, err)
		defer func() { require.NoError(t, rows.Close()) }()
		c, err := rows.Columns()
		require.NoError(t, err)
		return c
	}
	require.Equal(t, []string{"id", "v"}, cols())
	_, err = db.Exec("ALTER TABLE t ADD COLUMN w TEXT")
	require.NoError(t, err)
	require.Equal(t, []string{"id", "v", "w"}, cols(), "a cached statement recompiles after a schema change")
}

func TestStmtCacheReportsBadSQL(t *testing.T) {
	db := openCached(t, 8)
	_, err := db.Exec("INSERT INTO nowhere VALUES (1)")
	require.ErrorContains(t, err, "no such table")
	_, err = db.Query("SELEC 1")
	require.Error(t, err)
}
