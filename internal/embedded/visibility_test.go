package embedded

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
)

// The trimmed indexes are real indexes of the visibility table Temporal
// sets up (a Temporal upgrade that renames them fails here), trimming takes
// them and only them away, a second start trims nothing, and a list that
// filters on a trimmed column still answers.
func TestTrimVisibilityIndexes(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "temporal.db")
	require.NoError(t, sqliteschema.SetupSchema(&config.SQL{
		PluginName: sqliteplugin.PluginName, DatabaseName: file,
		ConnectAttributes: map[string]string{"mode": "rwc", "journal_mode": "wal"},
	}))
	db, err := sql.Open("sqlite", "file:"+file)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	indexes := func() map[string]bool {
		rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'executions_visibility'")
		require.NoError(t, err)
		defer func() { require.NoError(t, rows.Close()) }()
		out := map[string]bool{}
		for rows.Next() {
			var name string
			require.NoError(t, rows.Scan(&name))
			out[name] = true
		}
		require.NoError(t, rows.Err())
		return out
	}

	before := indexes()
	for _, name := range unusedVisibilityIndexes {
		require.True(t, before[name], "Temporal's visibility schema has no index %s", name)
	}
	require.NoError(t, trimVisibilityIndexes(ctx, file))
	after := indexes()
	require.Len(t, after, len(before)-len(unusedVisibilityIndexes))
	for _, name := range unusedVisibilityIndexes {
		require.False(t, after[name], "%s is dropped", name)
	}
	for _, kept := range []string{"default_idx", "by_workflow_id", "by_workflow_type", "by_status", "by_keyword_01", "by_keyword_10"} {
		require.True(t, after[kept], "%s is kept", kept)
	}

	require.NoError(t, trimVisibilityIndexes(ctx, file), "a second start")
	require.Equal(t, after, indexes())
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM executions_visibility WHERE Int01 = 1 AND history_length > 0").Scan(&n))
	require.Zero(t, n)
}

// A data directory whose store is not a database stops the start with the
// step and the index named, and the file is left as it was.
func TestTrimVisibilityIndexesOnABrokenFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.db")
	junk := []byte("this is not an SQLite database, and it is long enough to have a header of its own........")
	require.NoError(t, os.WriteFile(file, junk, 0o600))
	err := trimVisibilityIndexes(context.Background(), file)
	require.ErrorContains(t, err, "embedded Temporal: drop visibility index "+unusedVisibilityIndexes[0])
	got, rerr := os.ReadFile(file)
	require.NoError(t, rerr)
	require.Equal(t, junk, got)
}
