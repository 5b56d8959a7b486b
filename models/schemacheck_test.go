package models_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

// TestCheckSchemaRefusesAnOlderSchema: a database a migration behind this
// binary is refused with the command that fixes it; migrated, it passes.
func TestCheckSchemaRefusesAnOlderSchema(t *testing.T) {
	ctx := context.Background()
	db, err := models.Open(ctx, models.DriverSQLite, models.SQLiteDSN(filepath.Join(t.TempDir(), "app.db")))
	require.NoError(t, err)
	t.Cleanup(func() {
		sqlDB, err := db.DB()
		require.NoError(t, err)
		require.NoError(t, sqlDB.Close())
	})

	err = models.CheckSchema(ctx, db)
	require.ErrorContains(t, err, "run `ccflow migrate`", "a database never migrated")

	require.NoError(t, models.Migrate(ctx, db))
	require.NoError(t, models.CheckSchema(ctx, db))

	latest, err := models.MigrationVersion(ctx, db)
	require.NoError(t, err)
	// As if the binary were one migration newer than the database.
	require.NoError(t, db.Exec("DELETE FROM goose_db_version WHERE version_id = ?", latest).Error)
	err = models.CheckSchema(ctx, db)
	require.ErrorContains(t, err, "run `ccflow migrate`")
	require.ErrorContains(t, err, "needs version")
}
