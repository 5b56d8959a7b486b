package models_test

import (
	"context"
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

func TestConversationColumnsAreTheSchema(t *testing.T) {
	s, err := schema.Parse(&models.Conversation{}, &sync.Map{}, schema.NamingStrategy{})
	require.NoError(t, err)
	cols := strings.Split(models.ConversationColumns, ", ")
	require.ElementsMatch(t, s.DBNames, cols, "every column of Conversation, once")
	require.Len(t, (&models.Conversation{}).Fields(), len(cols), "a field for every column")
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
		var got models.Conversation
		require.NoError(t, db.WithContext(ctx).Raw("SELECT "+models.ConversationColumns+" FROM conversations WHERE id = ?", c.ID).
			Row().Scan(got.Fields()...))
		require.Equal(t, want, got)
		require.Equal(t, c.Rated, got.Rated)
	})
}
