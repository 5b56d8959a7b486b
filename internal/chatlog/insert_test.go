package chatlog

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

// The columns insert leaves to their defaults: the id, the deletions, and
// the channel of a record a client created itself.
var recordDefaults = []string{"id", "deleted_by_member_at", "deleted_by_seller_at", "channel_config_id"}

func TestRecordColumnsAreTheSchema(t *testing.T) {
	s, err := schema.Parse(&models.ChatRecord{}, &sync.Map{}, schema.NamingStrategy{})
	require.NoError(t, err)
	cols := strings.Split(recordColumns, ", ")
	require.ElementsMatch(t, s.DBNames, append(cols, recordDefaults...),
		"a column added to ChatRecord is written by insert or listed as left to its default")
	require.Len(t, cols, recordColumnCount)
	require.Len(t, recordValues(&models.ChatRecord{}), recordColumnCount)
	require.Equal(t, recordColumnCount, strings.Count(recordPlaceholders, "?"))
}

// TestInsertWritesWhatGORMWrites inserts two messages with every field set
// through insert, and the same two through GORM, and reads all four back.
func TestInsertWritesWhatGORMWrites(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		at := time.Date(2026, 12, 3, 10, 0, 1, 0, time.UTC)
		msgs := []Message{
			{ToVisitor: true, SenderType: "AGENT", SenderID: "agent1", SenderNickname: "客服1号", ControlType: "CHAT",
				MediaType: "TEXT", Content: "您好", ClientKey: "k1", InterIdx: 3, SimQuestions: `["a"]`, Closing: true, RCType: "RC"},
			{SenderType: "VISITOR", SenderID: "u1", MediaType: "IMAGE", Content: "x.png"},
		}
		conv := func(id string) *models.Conversation {
			return &models.Conversation{ID: id, TenantID: "demo", UserID: "u1", Phase: "AGENT", AgentID: "agent1",
				AgentName: "客服1号", SkillGroupID: 11, LastSeq: 4}
		}
		var mine []models.ChatRecord
		require.NoError(t, db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			mine, err = insert(tx, conv("raw"), msgs, at)
			return err
		}))
		theirs := []models.ChatRecord{record(conv("gorm"), msgs[0], at), record(conv("gorm"), msgs[1], at)}
		// As insert numbers them: after the conversation's last seq, 4.
		for i := range theirs {
			theirs[i].Seq, theirs[i].MessageCode = int64(5+i), "gorm-"+[]string{"5", "6"}[i]
		}
		require.NoError(t, db.WithContext(ctx).Create(&theirs).Error)

		for i := range mine {
			var got, want models.ChatRecord
			require.NoError(t, db.Where("id = ?", mine[i].ID).Take(&got).Error, "insert answers the rows' ids")
			require.NoError(t, db.Where("id = ?", theirs[i].ID).Take(&want).Error)
			require.Equal(t, int64(5+i), got.Seq)
			require.Equal(t, "raw-"+[]string{"5", "6"}[i], got.MessageCode)
			got.ID, got.ConversationID, got.MessageCode = want.ID, want.ConversationID, want.MessageCode
			require.Equal(t, want, got)
		}
	})
}
