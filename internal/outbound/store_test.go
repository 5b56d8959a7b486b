package outbound

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestStoreAppliesEachStepOnce(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testAppliesEachStepOnce(t, modelstest.SQLiteDB(t)) })
	t.Run("mysql", func(t *testing.T) { testAppliesEachStepOnce(t, modelstest.MySQLDB(t)) })
}

func testAppliesEachStepOnce(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	s := &Store{DB: db}
	code := "1790000000000001"
	require.NoError(t, s.Create(ctx, models.OutboundCall{
		CallSerialNo: "s1", TenantID: "demo", Called: "88884432", AccessCode: &code, State: "REQUESTED",
		ExpiresAt: time.Now().Add(time.Minute),
	}))
	row, err := s.ByAccessCode(ctx, code)
	require.NoError(t, err)
	require.Equal(t, "s1", row.CallSerialNo)

	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	require.NoError(t, s.Apply(ctx, Step{CallSerialNo: "s1", Number: 1, State: "DIALING", At: t0}))
	require.NoError(t, s.Apply(ctx, Step{CallSerialNo: "s1", Number: 2, State: "CONNECTED", At: t0.Add(2 * time.Second), SIPStatus: 200}))
	end := Step{CallSerialNo: "s1", Number: 3, State: "ENDED", At: t0.Add(92 * time.Second), Ended: true, EndReason: "the app hung up"}
	require.NoError(t, s.Apply(ctx, end))
	end.EndReason = "a retried write with other words"
	require.NoError(t, s.Apply(ctx, end), "a retried step is a no-op")
	require.NoError(t, s.Apply(ctx, Step{CallSerialNo: "s1", Number: 2, State: "CONNECTED", At: t0}), "so is an old one")

	row, err = s.Get(ctx, "s1")
	require.NoError(t, err)
	require.Equal(t, "ENDED", row.State)
	require.Equal(t, int64(3), row.Step)
	require.Equal(t, "the app hung up", row.EndReason)
	require.Equal(t, int64(90), row.DurationSec)
	require.Equal(t, 200, row.SIPStatus)
	require.Nil(t, row.AccessCode)
	_, err = s.ByAccessCode(ctx, code)
	require.ErrorIs(t, err, ErrNotFound, "an ended call's code opens nothing")
	_, err = s.Get(ctx, "nope")
	require.ErrorIs(t, err, ErrNotFound)
	require.Error(t, s.Apply(ctx, Step{CallSerialNo: "nope", Number: 1, State: "DIALING"}))
}

func TestStoreTenantSwitch(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	s := &Store{DB: db}
	on, err := s.Enabled(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.False(t, on, "off until turned on")
	require.NoError(t, s.SetEnabled(ctx, models.DemoTenantID, true))
	on, err = s.Enabled(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.True(t, on)
	require.NoError(t, s.SetEnabled(ctx, models.DemoTenantID, false))
	on, err = s.Enabled(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.False(t, on)
	require.ErrorIs(t, s.SetEnabled(ctx, "nobody", true), ErrNoTenant)
}
