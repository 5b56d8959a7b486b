package models_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// Each written-out column list names every column of its model once, and
// its Fields has a pointer for each.
func TestColumnsAreTheSchema(t *testing.T) {
	for _, c := range []struct {
		model   any
		columns string
		fields  []any
	}{
		{&models.Conversation{}, models.ConversationColumns, (&models.Conversation{}).Fields()},
		{&models.ChatRecord{}, models.ChatRecordColumns, (&models.ChatRecord{}).Fields()},
		{&models.AgentEvent{}, models.AgentEventColumns, (&models.AgentEvent{}).Fields()},
	} {
		s, err := schema.Parse(c.model, &sync.Map{}, schema.NamingStrategy{})
		require.NoError(t, err)
		cols := strings.Split(c.columns, ", ")
		require.ElementsMatch(t, s.DBNames, cols, "every column of %s, once", s.Table)
		require.Len(t, c.fields, len(cols), "a field for every column of %s", s.Table)
	}
}

func TestConversationFieldsReadWhatGORMReads(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		at := func(s int) *time.Time { v := time.Date(2026, 12, 3, 10, 0, s, 0, time.UTC); return &v }
		key := "open-key"
		// Every field set, each to a value no other field has.
		c := models.Conversation{ID: "scan-1", WorkflowID: "wf", TenantID: "tenant", ChannelConfigID: "ch", UserID: "user",
			UserName: "name", Phase: "AGENT", SkillGroupID: 11, AgentID: "agent", StartedAt: *at(1), QueuedAt: at(2),
			AssignedAt: at(3), EndedAt: at(4), ClosedAt: at(5), CloseReason: "reason", UpdatedAt: *at(6), OpenKey: &key,
			LastSeq: 12, DeliveredSeq: 13, LastActivity: at(7), Transition: 14, AgentName: "agent name", AgentJoined: true,
			Rated: true, ProductCard: `{"card":1}`, Settings: `{"s":1}`, WorkflowStarted: true, AgentTypingAt: at(8),
			RobotUnsignalledSeq: 15}
		require.NoError(t, db.WithContext(ctx).Create(&c).Error)
		var want models.Conversation
		require.NoError(t, db.WithContext(ctx).Where("id = ?", c.ID).Take(&want).Error)
		got, err := models.ConversationByID(ctx, db.Statement.ConnPool, c.ID, "")
		require.NoError(t, err)
		require.Equal(t, want, got)
		_, err = models.ConversationByID(ctx, db.Statement.ConnPool, "no-such", "")
		require.ErrorIs(t, err, sql.ErrNoRows)
		require.Equal(t, c.Rated, got.Rated)
	})
}

func TestRecordAndEventFieldsReadWhatGORMReads(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		at := func(s int) *time.Time { v := time.Date(2026, 12, 3, 10, 0, s, 0, time.UTC); return &v }
		key := "client-key"
		// Every field set, each to a value no other field has.
		r := models.ChatRecord{TenantID: "tenant", ConversationID: "conv", UserID: "user", Seq: 11, Direction: "to_visiter",
			SenderType: "AGENT", SenderID: "sender", MediaType: "TEXT", RCType: "RC:TxtMsg", Content: "content",
			MessageCode: "code", CreatedAt: *at(1), DeletedByMemberAt: at(2), DeletedBySellerAt: at(3), ClientKey: &key,
			ControlType: "CHAT", SenderNickname: "nick", Phase: "AGENT", ServiceID: "service", ServiceName: "service name",
			SkillGroupID: 12, Closing: true, InterIdx: 13, SimQuestions: `["q"]`, ChannelConfigID: "ch"}
		require.NoError(t, db.WithContext(ctx).Create(&r).Error)
		requireReadLikeGORM[models.ChatRecord](t, db, models.ChatRecordColumns, "chat_records", "conversation_id", "conv")

		e := models.AgentEvent{AgentID: "agent", Seq: 21, Type: "message", ConversationID: "conv", MessageSeq: 22,
			Payload: `{"status":"x"}`, CreatedAt: *at(4)}
		require.NoError(t, db.WithContext(ctx).Create(&e).Error)
		requireReadLikeGORM[models.AgentEvent](t, db, models.AgentEventColumns, "agent_events", "agent_id", "agent")

		none, err := models.QueryAll[models.AgentEvent](ctx, db.Statement.ConnPool,
			"SELECT "+models.AgentEventColumns+" FROM agent_events WHERE agent_id = ?", "nobody")
		require.NoError(t, err)
		require.Nil(t, none, "no rows is nil, not an empty page a long-poll would hold")
	})
}

// requireReadLikeGORM reads table's rows whose column is value with
// QueryAll and columns, and requires what GORM's Find reads.
func requireReadLikeGORM[T any, P models.Scannable[T]](t *testing.T, db *gorm.DB, columns, table, column, value string) {
	t.Helper()
	ctx := context.Background()
	var want []T
	require.NoError(t, db.WithContext(ctx).Where(column+" = ?", value).Find(&want).Error)
	require.NotEmpty(t, want)
	got, err := models.QueryAll[T, P](ctx, db.Statement.ConnPool, "SELECT "+columns+" FROM "+table+" WHERE "+column+" = ?", value)
	require.NoError(t, err)
	require.Equal(t, want, got)
}
