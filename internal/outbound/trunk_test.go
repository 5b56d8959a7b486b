package outbound

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestNormalizeTrunkAddr(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.10:5060":         "192.0.2.10:5060",
		" trunk.example.com:5080": "trunk.example.com:5080",
		"sip:192.0.2.10:5070":     "192.0.2.10:5070",
		"SIP:trunk.example.com":   "trunk.example.com:5060",
		"[2001:db8::1]:5060":      "[2001:db8::1]:5060",
		"sip:[2001:db8::1]":       "[2001:db8::1]:5060",
	} {
		got, err := NormalizeTrunkAddr(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "192.0.2.10", "192.0.2.10:", ":5060", "192.0.2.10:0", "192.0.2.10:70000",
		"192.0.2.10:sip", "sip:user@192.0.2.10:5060", "sip:192.0.2.10:5060;transport=tcp", "http://x:80",
		"a b:5060", "sips:192.0.2.10:5061"} {
		_, err := NormalizeTrunkAddr(in)
		var bad *InvalidTrunkError
		require.ErrorAs(t, err, &bad, "%q", in)
	}
}

func TestStoreTenantTrunk(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testStoreTenantTrunk(t, modelstest.SQLiteDB(t)) })
	t.Run("mysql", func(t *testing.T) { testStoreTenantTrunk(t, modelstest.MySQLDB(t)) })
}

func testStoreTenantTrunk(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	_, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	s := &Store{DB: db}
	_, ok, err := s.TenantTrunk(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.False(t, ok, "the process's default until set")

	a := Trunk{Addr: "192.0.2.10:5060", Username: "a", Password: "pa"}
	require.NoError(t, s.SetTenantTrunk(ctx, models.DemoTenantID, a, false))
	got, ok, err := s.TenantTrunk(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, a, got)

	// A new address without a password keeps the stored one.
	require.NoError(t, s.SetTenantTrunk(ctx, models.DemoTenantID, Trunk{Addr: "192.0.2.11:5061", Username: "b"}, true))
	got, _, err = s.TenantTrunk(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.Equal(t, Trunk{Addr: "192.0.2.11:5061", Username: "b", Password: "pa"}, got)
	var bad *InvalidTrunkError
	require.ErrorAs(t, s.SetTenantTrunk(ctx, models.DemoTenantID, Trunk{Addr: "192.0.2.12:5061"}, true), &bad, "the kept password needs a username")
	got, _, err = s.TenantTrunk(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.Equal(t, "192.0.2.11:5061", got.Addr, "refused: nothing changed")

	require.NoError(t, s.DeleteTenantTrunk(ctx, models.DemoTenantID))
	_, ok, err = s.TenantTrunk(ctx, models.DemoTenantID)
	require.NoError(t, err)
	require.False(t, ok)
	require.ErrorIs(t, s.SetTenantTrunk(ctx, "nobody", a, false), ErrNoTenant)
	require.ErrorIs(t, s.DeleteTenantTrunk(ctx, "nobody"), ErrNoTenant)
}
