package directory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestAppKeyOutlivesADatabaseOutageButNotARevocation(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	require.NoError(t, db.Create(&models.AppKey{Key: "second-key", TenantID: models.DemoTenantID, Secret: "s", Name: "n", CreatedAt: time.Now()}).Error)
	d := &Directory{DB: db}
	tight := &Directory{DB: db, StaleFor: time.Nanosecond}

	for _, dir := range []*Directory{d, tight} {
		k, err := dir.AppKey(ctx, models.DemoAppKey)
		require.NoError(t, err)
		require.Equal(t, models.DemoTenantID, k.TenantID)
		_, err = dir.AppKey(ctx, "second-key")
		require.NoError(t, err)
	}
	// Revoked while the database is up: refused at once, however recently read.
	require.NoError(t, db.Model(&models.AppKey{}).Where("`key` = ?", "second-key").Update("disabled", true).Error)
	_, err = d.AppKey(ctx, "second-key")
	require.ErrorIs(t, err, ErrNotFound)

	sqlDB, err := db.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())

	k, err := d.AppKey(ctx, models.DemoAppKey)
	require.NoError(t, err, "the last good read answers while the database is down")
	require.Equal(t, models.DemoTenantID, k.TenantID)
	_, err = d.AppKey(ctx, "second-key")
	require.Error(t, err, "a key seen revoked is not brought back by the outage")
	require.NotErrorIs(t, err, ErrNotFound, "and the outage is not reported as an unknown key")
	_, err = d.AppKey(ctx, "never-read")
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrNotFound)
	_, err = tight.AppKey(ctx, models.DemoAppKey)
	require.Error(t, err, "a read older than StaleFor is not served")
}
