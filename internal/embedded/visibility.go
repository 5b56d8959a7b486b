package embedded

import (
	"context"
	"database/sql"
	"fmt"

	// The driver Temporal's SQLite plugin uses too.
	_ "modernc.org/sqlite"
)

// unusedVisibilityIndexes are indexes of the embedded store's visibility
// table on columns no list ccflow or Temporal UI shows filters or sorts by:
// the custom search attribute columns of types ccflow registers none of
// (ccflow's are keywords and keyword lists), Temporal's reserved columns of
// attributes not yet defined, and execution statistics. Every visibility
// write (a workflow's start, each search-attribute upsert, its close) is a
// REPLACE of the row, which rewrites each of the table's 58 indexes; a
// query on one of these columns still answers, by a scan.
var unusedVisibilityIndexes = []string{
	"by_history_length", "by_history_size_bytes", "by_execution_duration", "by_state_transition_count",
	"by_batcher_user", "by_temporal_pause_info",
	"by_bool_01", "by_bool_02", "by_bool_03",
	"by_datetime_01", "by_datetime_02", "by_datetime_03",
	"by_double_01", "by_double_02", "by_double_03",
	"by_int_01", "by_int_02", "by_int_03",
	"by_temporal_bool_01", "by_temporal_bool_02",
	"by_temporal_datetime_01", "by_temporal_datetime_02",
	"by_temporal_double_01", "by_temporal_double_02",
	"by_temporal_int_01", "by_temporal_int_02",
	"by_temporal_keyword_01", "by_temporal_keyword_02", "by_temporal_keyword_03", "by_temporal_keyword_04",
	"by_temporal_low_cardinality_keyword_01",
}

// trimVisibilityIndexes drops unusedVisibilityIndexes from the store in
// file, before the server opens it; dropping one already gone is nothing.
func trimVisibilityIndexes(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	for _, name := range unusedVisibilityIndexes {
		if _, err := db.ExecContext(ctx, "DROP INDEX IF EXISTS "+name); err != nil {
			return fmt.Errorf("embedded Temporal: drop visibility index %s: %w", name, err)
		}
	}
	return nil
}
