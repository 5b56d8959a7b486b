package directory

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestChannelCarriesPushTargetsSQLite(t *testing.T) {
	testChannelCarriesPushTargets(t, modelstest.SQLiteDB(t))
}

func TestChannelCarriesPushTargetsMySQL(t *testing.T) {
	testChannelCarriesPushTargets(t, modelstest.MySQLDB(t))
}

func testChannelCarriesPushTargets(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	_, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	d := &Directory{DB: db}

	ch, err := d.Channel(ctx, models.DemoChannelConfigID)
	require.NoError(t, err)
	require.Equal(t, int64(1), ch.BusinessID)
	require.Empty(t, ch.PushEndpoints, "no webhook, nothing to push")

	hooks := []models.WebhookEndpoint{
		{TenantID: models.DemoTenantID, URL: "https://a.example.com/", Secret: "a", Enabled: true},
		{TenantID: models.DemoTenantID, URL: "https://b.example.com/", Secret: "b", Enabled: false},
		{TenantID: models.DemoTenantID, URL: "https://c.example.com/", Secret: "c", Enabled: true},
		{TenantID: "other", URL: "https://d.example.com/", Secret: "d", Enabled: true},
	}
	require.NoError(t, db.Create(&hooks).Error)
	ch, err = d.Channel(ctx, models.DemoChannelConfigID)
	require.NoError(t, err)
	require.Equal(t, int64(1), ch.BusinessID)
	require.Equal(t, []uint64{hooks[0].ID, hooks[2].ID}, ch.PushEndpoints, "the tenant's enabled endpoints, in id order")
}
