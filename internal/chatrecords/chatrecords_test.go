package chatrecords_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestStoreSQLite(t *testing.T) { testStore(t, modelstest.SQLiteDB(t)) }

func TestStoreMySQL(t *testing.T) { testStore(t, modelstest.MySQLDB(t)) }

func testStore(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	s := &chatrecords.Store{DB: db}
	for _, tn := range []models.Tenant{
		{ID: "t1", Name: "Shop One", BusinessID: 101, AppID: "a101", Logo: "l1"},
		{ID: "t2", Name: "Shop Two", BusinessID: 102, AppID: "a102", Logo: "l2"},
	} {
		require.NoError(t, db.Create(&tn).Error)
	}
	base := time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	add := func(tenant, user, rc string, at time.Time) uint64 {
		r := models.ChatRecord{TenantID: tenant, UserID: user, RCType: rc, Content: "c", MessageCode: uuid.NewString(), CreatedAt: at}
		require.NoError(t, s.Create(ctx, &r))
		return r.ID
	}
	a1 := add("t1", "u", "RC:TxtMsg", base)
	a2 := add("t1", "u", "RC:ImgMsg", base.Add(time.Minute))
	b1 := add("t2", "u", "RC:TxtMsg", base.Add(2*time.Minute))
	b2 := add("t2", "u", "RC:TxtMsg", base.Add(3*time.Minute))
	add("t1", "v", "RC:TxtMsg", base.Add(4*time.Minute))

	rows, total, err := s.List(ctx, chatrecords.Filter{TenantID: "t1", UserID: "u"}, 0, 10)
	require.NoError(t, err)
	require.Equal(t, int64(2), total)
	require.Equal(t, []uint64{a2, a1}, ids(rows))
	from, to := base.Add(time.Minute), base.Add(2*time.Minute)
	rows, total, err = s.List(ctx, chatrecords.Filter{TenantID: "t1", UserID: "u", From: &from, To: &to}, 0, 10)
	require.NoError(t, err)
	require.Equal(t, int64(1), total)
	require.Equal(t, []uint64{a2}, ids(rows))
	rows, total, err = s.List(ctx, chatrecords.Filter{TenantID: "t1", UserID: "u"}, 5, 10)
	require.NoError(t, err)
	require.Equal(t, int64(2), total)
	require.Empty(t, rows)

	convs, err := s.Latest(ctx, "u", nil)
	require.NoError(t, err)
	require.Len(t, convs, 2)
	require.Equal(t, b2, convs[0].Record.ID)
	require.Equal(t, "Shop Two", convs[0].ShopName)
	require.Equal(t, "l2", convs[0].Logo)
	require.Equal(t, a2, convs[1].Record.ID)
	require.Equal(t, "Shop One", convs[1].ShopName)

	require.NoError(t, s.DeleteForMember(ctx, "t2", "u", b2, base))
	require.NoError(t, s.DeleteForMember(ctx, "t2", "u", b2, base))
	require.True(t, errors.Is(s.DeleteForMember(ctx, "t1", "u", b1, base), chatrecords.ErrNotFound))
	require.True(t, errors.Is(s.DeleteForMember(ctx, "t2", "v", b1, base), chatrecords.ErrNotFound))
	convs, err = s.Latest(ctx, "u", []string{"t2"})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	require.Equal(t, b1, convs[0].Record.ID)
}

func ids(rows []models.ChatRecord) []uint64 {
	out := make([]uint64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}
