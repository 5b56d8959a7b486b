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
		var wantRecords []models.ChatRecord
		require.NoError(t, db.WithContext(ctx).Where("conversation_id = ?", "conv").Find(&wantRecords).Error)
		gotRecords, err := models.QueryAll[models.ChatRecord](ctx, db.Statement.ConnPool,
			"SELECT "+models.ChatRecordColumns+" FROM chat_records WHERE conversation_id = ?", "conv")
		require.NoError(t, err)
		require.Equal(t, wantRecords, gotRecords)

		e := models.AgentEvent{AgentID: "agent", Seq: 21, Type: "message", ConversationID: "conv", MessageSeq: 22,
			Payload: `{"status":"x"}`, CreatedAt: *at(4)}
		require.NoError(t, db.WithContext(ctx).Create(&e).Error)
		var wantEvents []models.AgentEvent
		require.NoError(t, db.WithContext(ctx).Where("agent_id = ?", "agent").Find(&wantEvents).Error)
		gotEvents, err := models.QueryAll[models.AgentEvent](ctx, db.Statement.ConnPool,
			"SELECT "+models.AgentEventColumns+" FROM agent_events WHERE agent_id = ?", "agent")
		require.NoError(t, err)
		require.Equal(t, wantEvents, gotEvents)

		none, err := models.QueryAll[models.AgentEvent](ctx, db.Statement.ConnPool,
			"SELECT "+models.AgentEventColumns+" FROM agent_events WHERE agent_id = ?", "nobody")
		require.NoError(t, err)
		require.Nil(t, none, "no rows is nil, not an empty page a long-poll would hold")
	})
}
