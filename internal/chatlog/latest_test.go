package chatlog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// LatestMarks answers the visitor's newest conversation, like Latest, with
// the columns a poll reads: id, phase, the seq marks and the typing mark.
func TestLatestMarksAnswersWhatAPollReads(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		l := &chatlog.Log{DB: db}
		_, err := l.LatestMarks(ctx, "ch", "u1")
		require.ErrorIs(t, err, chatlog.ErrNotFound)

		old := open(t, l, "old", "u1", chatlog.PhaseAgent)
		_, err = l.Apply(ctx, chatlog.Transition{ConversationID: old.ID, Number: 1, Phase: chatlog.PhaseClosed})
		require.NoError(t, err)
		open(t, l, "new", "u1", chatlog.PhaseAgent)
		typed := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
		require.NoError(t, db.Model(&models.Conversation{}).Where("id = ?", "new").
			Updates(map[string]any{"delivered_seq": 1, "agent_typing_at": typed, "started_at": time.Now().UTC().Add(time.Second)}).Error)

		full, err := l.Latest(ctx, "ch", "u1")
		require.NoError(t, err)
		var whole models.Conversation
		require.NoError(t, db.Where("id = ?", "new").Take(&whole).Error)
		require.Equal(t, whole, full, "Latest reads the whole row")
		marks, err := l.LatestMarks(ctx, "ch", "u1")
		require.NoError(t, err)
		require.Equal(t, "new", marks.ID)
		require.Equal(t, full.Phase, marks.Phase)
		require.Equal(t, full.LastSeq, marks.LastSeq)
		require.Equal(t, int64(2), marks.LastSeq)
		require.Equal(t, int64(1), marks.DeliveredSeq)
		require.NotNil(t, marks.AgentTypingAt)
		require.True(t, typed.Equal(*marks.AgentTypingAt))
		require.Empty(t, marks.Settings, "the rest of the row is not read")
	})
}

// BenchmarkLatest and BenchmarkLatestMarks read a visitor's newest
// conversation, whole and with a poll's columns, on SQLite; the channel
// snapshot is the size of the demo channel's.
func BenchmarkLatest(b *testing.B)      { benchmarkLatest(b, (*chatlog.Log).Latest) }
func BenchmarkLatestMarks(b *testing.B) { benchmarkLatest(b, (*chatlog.Log).LatestMarks) }

func benchmarkLatest(b *testing.B, read func(*chatlog.Log, context.Context, string, string) (models.Conversation, error)) {
	db := modelstest.SQLiteDB(b)
	l := &chatlog.Log{DB: db}
	ctx := context.Background()
	settings := `{"snapshot":"` + strings.Repeat("x", 1500) + `"}`
	for i := range 100 {
		_, _, err := l.Open(ctx, chatlog.NewConversation{ID: fmt.Sprint("c", i), TenantID: "demo", ChannelConfigID: "ch",
			UserID: fmt.Sprint("u", i), Phase: chatlog.PhaseAgent, Settings: settings})
		require.NoError(b, err)
	}
	cpu := processCPU(b)
	for i := 0; b.Loop(); i++ {
		if _, err := read(l, ctx, "ch", fmt.Sprint("u", i%100)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}

// An empty page holds no memory: a long-poll that found nothing keeps its
// answer while it waits, and GORM's slice has room for 20 rows already.
func TestEmptyPagesAreNil(t *testing.T) {
	ctx := context.Background()
	l := &chatlog.Log{DB: modelstest.SQLiteDB(t)}
	c := open(t, l, "c1", "u1", chatlog.PhaseAgent)
	msgs, err := l.Downlink(ctx, c.ID, c.LastSeq, 200)
	require.NoError(t, err)
	require.Nil(t, msgs)
	msgs, err = l.Downlink(ctx, c.ID, 0, 200)
	require.NoError(t, err)
	require.Len(t, msgs, 1, "the robot's greeting")
	events, err := l.AgentEvents(ctx, "a1", 0, 500)
	require.NoError(t, err)
	require.Nil(t, events)
}

// The delivery mark only moves forward, and a mark is put back only while
// it is still the one the failed answer set: a later poll's mark stays.
// Each move stamps updated_at, as GORM's updates do.
func TestDeliveryMarkMovesForwardAndBackOnlyFromItsOwnMark(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		l := &chatlog.Log{DB: db}
		c := open(t, l, "c1", "u1", chatlog.PhaseAgent)
		mark := func() (int64, time.Time) {
			row, err := l.Get(ctx, c.ID)
			require.NoError(t, err)
			return row.DeliveredSeq, row.UpdatedAt
		}
		_, opened := mark()

		time.Sleep(5 * time.Millisecond)
		require.NoError(t, l.MarkDelivered(ctx, c.ID, 2))
		seq, updated := mark()
		require.Equal(t, int64(2), seq)
		require.True(t, updated.After(opened), "updated_at is stamped: %s after %s", updated, opened)

		require.NoError(t, l.MarkDelivered(ctx, c.ID, 1))
		seq, _ = mark()
		require.Equal(t, int64(2), seq, "a mark never moves back")

		require.NoError(t, l.UnmarkDelivered(ctx, c.ID, 1, 0))
		seq, _ = mark()
		require.Equal(t, int64(2), seq, "an unmark of a mark that moved on changes nothing")

		require.NoError(t, l.UnmarkDelivered(ctx, c.ID, 2, 1))
		seq, _ = mark()
		require.Equal(t, int64(1), seq, "an unmark puts its own mark back")

		require.NoError(t, l.MarkDelivered(ctx, "no-such", 5), "a mark of no conversation writes nothing")
		_, err := l.Get(ctx, "no-such")
		require.ErrorIs(t, err, chatlog.ErrNotFound)
	})
}
