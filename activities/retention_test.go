package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/filestest"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestRetentionFollowsEachTenantsPeriod(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	store, err := files.NewDirStore(t.TempDir())
	require.NoError(t, err)
	svc := &files.Service{DB: db, Store: store, Limits: files.Limits{files.ClassImage: 1 << 20}}
	now := time.Now().UTC()
	require.NoError(t, db.Create(&[]models.Tenant{
		{ID: "short", Name: "short", BusinessID: 1, AppID: "1", CreatedAt: now, UpdatedAt: now, FileRetentionDays: 1},
		{ID: "default", Name: "default", BusinessID: 2, AppID: "2", CreatedAt: now, UpdatedAt: now},
	}).Error)
	upload := func(tenant string, age time.Duration) string {
		f, err := svc.Upload(ctx, files.Party{Type: files.PartyCustomer, TenantID: tenant, ChannelConfigID: "c", UserID: "u"}, "png", filestest.Samples["png"])
		require.NoError(t, err)
		require.NoError(t, db.Model(&models.StoredFile{}).Where("object_key = ?", f.ObjectKey).Update("created_at", now.Add(-age)).Error)
		return f.ObjectKey
	}
	shortOld := upload("short", 2*24*time.Hour)
	shortNew := upload("short", time.Hour)
	defaultOld := upload("default", 2*24*time.Hour)
	defaultExpired := upload("default", 11*24*time.Hour)

	a := &activities.FileRetention{Files: svc, Default: 10 * 24 * time.Hour}
	b, err := a.RemoveExpiredFiles(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, b.Removed)
	require.False(t, b.More)
	for key, kept := range map[string]bool{shortOld: false, shortNew: true, defaultOld: true, defaultExpired: false} {
		_, err := store.Get(ctx, key)
		if kept {
			require.NoError(t, err, key)
		} else {
			require.ErrorIs(t, err, files.ErrNotFound, key)
		}
	}
}
