package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/config"
	"github.com/ccflow/ccflow/models"
)

// migrateWith runs `ccflow migrate` on a fresh SQLite file with CCFLOW_DEMO
// set to demo ("" for unset) and answers how many demo tenants it has.
func migrateWith(t *testing.T, demo string) int64 {
	t.Helper()
	t.Setenv("CCFLOW_DATA_DIR", t.TempDir())
	t.Setenv("CCFLOW_DB_DSN", filepath.Join(t.TempDir(), "app.db"))
	t.Setenv("CCFLOW_DEMO", demo)
	cfg, err := config.Load(config.RoleMigrate)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, Run(ctx, config.RoleMigrate, cfg, slog.New(slog.DiscardHandler), io.Discard))

	db, err := models.Open(ctx, models.DriverSQLite, models.SQLiteDSN(cfg.DBDSN))
	require.NoError(t, err)
	t.Cleanup(func() {
		sqlDB, err := db.DB()
		require.NoError(t, err)
		require.NoError(t, sqlDB.Close())
	})
	v, err := models.MigrationVersion(ctx, db)
	require.NoError(t, err)
	require.Positive(t, v, "migrated")
	var n int64
	require.NoError(t, db.Model(&models.Tenant{}).Where("id = ?", models.DemoTenantID).Count(&n).Error)
	return n
}

func TestMigrateLoadsTheDemoDataWhenAsked(t *testing.T) {
	require.EqualValues(t, 1, migrateWith(t, "true"), "CCFLOW_DEMO=true ccflow migrate, as the README shows")
}

func TestMigrateLoadsNoDemoDataByDefault(t *testing.T) {
	require.Zero(t, migrateWith(t, ""))
	require.Zero(t, migrateWith(t, "false"))
}
