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
	// Records a client created carry their channel; t1's is c1, t2's c2.
	add := func(tenant, user, rc string, at time.Time) uint64 {
		r := models.ChatRecord{TenantID: tenant, ChannelConfigID: "c" + tenant[1:], UserID: user, RCType: rc, Content: "c",
			MessageCode: uuid.NewString(), CreatedAt: at}
		require.NoError(t, s.Create(ctx, &r))
		return r.ID
	}
	u1 := chatrecords.Member{TenantID: "t1", ChannelConfigID: "c1", UserID: "u"}
	u2 := chatrecords.Member{TenantID: "t2", ChannelConfigID: "c2", UserID: "u"}
	a1 := add("t1", "u", "RC:TxtMsg", base)
	a2 := add("t1", "u", "RC:ImgMsg", base.Add(time.Minute))
	b1 := add("t2", "u", "RC:TxtMsg", base.Add(2*time.Minute))
	b2 := add("t2", "u", "RC:TxtMsg", base.Add(3*time.Minute))
	add("t1", "v", "RC:TxtMsg", base.Add(4*time.Minute))

	rows, total, err := s.List(ctx, chatrecords.Filter{Member: u1}, 0, 10)
	require.NoError(t, err)
	require.Equal(t, int64(2), total)
	require.Equal(t, []uint64{a2, a1}, ids(rows))
	from, to := base.Add(time.Minute), base.Add(2*time.Minute)
	rows, total, err = s.List(ctx, chatrecords.Filter{Member: u1, From: &from, To: &to}, 0, 10)
	require.NoError(t, err)
	require.Equal(t, int64(1), total)
	require.Equal(t, []uint64{a2}, ids(rows))
	rows, total, err = s.List(ctx, chatrecords.Filter{Member: u1}, 5, 10)
	require.NoError(t, err)
	require.Equal(t, int64(2), total)
	require.Empty(t, rows)

	convs, err := s.Latest(ctx, u2)
	require.NoError(t, err)
	require.Len(t, convs, 1)
	require.Equal(t, b2, convs[0].Record.ID)
	require.Equal(t, "Shop Two", convs[0].ShopName)
	require.Equal(t, "l2", convs[0].Logo)
	convs, err = s.Latest(ctx, u1)
	require.NoError(t, err)
	require.Len(t, convs, 1)
	require.Equal(t, a2, convs[0].Record.ID)
	require.Equal(t, "Shop One", convs[0].ShopName)

	require.NoError(t, s.DeleteForMember(ctx, u2, b2, base))
	require.NoError(t, s.DeleteForMember(ctx, u2, b2, base))
	require.True(t, errors.Is(s.DeleteForMember(ctx, u1, b1, base), chatrecords.ErrNotFound))
	require.True(t, errors.Is(s.DeleteForMember(ctx, chatrecords.Member{TenantID: "t2", ChannelConfigID: "c2", UserID: "v"}, b1, base), chatrecords.ErrNotFound))
	convs, err = s.Latest(ctx, u2)
	require.NoError(t, err)
	require.Len(t, convs, 1)
	require.Equal(t, b1, convs[0].Record.ID)
}

// A member is one user on one channel: the same user id on another channel of
// the same tenant sees neither that channel's conversations nor its created
// records, and cannot delete them.
func TestRecordsAreScopedToTheChannelSQLite(t *testing.T) {
	testRecordsAreScopedToTheChannel(t, modelstest.SQLiteDB(t))
}

func TestRecordsAreScopedToTheChannelMySQL(t *testing.T) {
	testRecordsAreScopedToTheChannel(t, modelstest.MySQLDB(t))
}

func testRecordsAreScopedToTheChannel(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	s := &chatrecords.Store{DB: db}
	at := time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	for _, c := range []models.Conversation{
		{ID: "conv-a", WorkflowID: "conv:conv-a", TenantID: "t1", ChannelConfigID: "ca", UserID: "u", Settings: "{}", StartedAt: at, UpdatedAt: at},
		{ID: "conv-b", WorkflowID: "conv:conv-b", TenantID: "t1", ChannelConfigID: "cb", UserID: "u", Settings: "{}", StartedAt: at, UpdatedAt: at},
	} {
		require.NoError(t, db.Create(&c).Error)
	}
	add := func(r models.ChatRecord) uint64 {
		r.TenantID, r.UserID, r.RCType, r.Content, r.MessageCode, r.CreatedAt = "t1", "u", "RC:TxtMsg", "c", uuid.NewString(), at
		require.NoError(t, s.Create(ctx, &r))
		return r.ID
	}
	inA := add(models.ChatRecord{ConversationID: "conv-a", Seq: 1})
	inB := add(models.ChatRecord{ConversationID: "conv-b", Seq: 1})
	createdA := add(models.ChatRecord{ChannelConfigID: "ca"})
	createdB := add(models.ChatRecord{ChannelConfigID: "cb"})

	a := chatrecords.Member{TenantID: "t1", ChannelConfigID: "ca", UserID: "u"}
	rows, total, err := s.List(ctx, chatrecords.Filter{Member: a}, 0, 10)
	require.NoError(t, err)
	require.EqualValues(t, 2, total)
	require.Equal(t, []uint64{createdA, inA}, ids(rows), "channel ca's records only")
	rows, _, err = s.List(ctx, chatrecords.Filter{Member: a, ID: inB}, 0, 10)
	require.NoError(t, err)
	require.Empty(t, rows, "another channel's record is not found by its id either")
	require.ErrorIs(t, s.DeleteForMember(ctx, a, createdB, at), chatrecords.ErrNotFound)
	require.ErrorIs(t, s.DeleteForMember(ctx, a, inB, at), chatrecords.ErrNotFound)
	latest, err := s.Latest(ctx, a)
	require.NoError(t, err)
	require.Len(t, latest, 1)
	require.Equal(t, createdA, latest[0].Record.ID)

	b := chatrecords.Member{TenantID: "t1", ChannelConfigID: "cb", UserID: "u"}
	rows, _, err = s.List(ctx, chatrecords.Filter{Member: b}, 0, 10)
	require.NoError(t, err)
	require.Equal(t, []uint64{createdB, inB}, ids(rows), "channel cb's records, untouched by ca's member")
}

func ids(rows []models.ChatRecord) []uint64 {
	out := make([]uint64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}
