package modelstest

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// Statements counts the statements GORM runs on a database, by kind and
// table ("query chat_records", "update agent_feeds"), for tests of how much
// a read or a write costs the database.
type Statements struct {
	mu sync.Mutex
	n  map[string]int
}

// CountStatements counts db's queries, creates, updates and deletes from now on.
func CountStatements(t testing.TB, db *gorm.DB) *Statements {
	t.Helper()
	s := &Statements{n: map[string]int{}}
	count := func(kind string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.n[kind+" "+tx.Statement.Table]++
		}
	}
	cb := db.Callback()
	require.NoError(t, cb.Query().After("gorm:query").Register("modelstest:count_query", count("query")))
	require.NoError(t, cb.Create().After("gorm:create").Register("modelstest:count_create", count("create")))
	require.NoError(t, cb.Update().After("gorm:update").Register("modelstest:count_update", count("update")))
	require.NoError(t, cb.Delete().After("gorm:delete").Register("modelstest:count_delete", count("delete")))
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
