package chatlog_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// An agent's reads record their presence once per ten seconds; an idle
// agent reads every 30 s, so each of those reads writes, and after the
// first one it writes a single statement. A write that failed is tried
// whole again.
func TestAgentPresenceIsOneStatementAfterTheFirst(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
		l := &chatlog.Log{DB: db, Now: func() time.Time { return now }}
		statements := modelstest.CountStatements(t, db)
		// feedWrites answers the creates and updates of agent_feeds since the last call.
		feedWrites := func() (creates, updates int) {
			n := statements.Take()
			return n["insert agent_feeds"], n["update agent_feeds"]
		}
		lastSeen := func() time.Time {
			var f models.AgentFeed
			require.NoError(t, db.Where("agent_id = ?", "a1").Take(&f).Error)
			require.NotNil(t, f.LastSeen)
			return f.LastSeen.UTC()
		}

		require.NoError(t, l.SeeAgent(ctx, "demo", "a1"))
		c, u := feedWrites()
		require.Equal(t, [2]int{1, 1}, [2]int{c, u}, "the first read makes the feed row")
		require.Equal(t, now, lastSeen())

		now = now.Add(5 * time.Second)
		require.NoError(t, l.SeeAgent(ctx, "demo", "a1"))
		c, u = feedWrites()
		require.Equal(t, [2]int{0, 0}, [2]int{c, u}, "within ten seconds nothing is written")

		now = now.Add(25 * time.Second)
		require.NoError(t, l.SeeAgent(ctx, "demo", "a1"))
		c, u = feedWrites()
		require.Equal(t, [2]int{0, 1}, [2]int{c, u}, "an idle agent's next read is one statement")
		require.Equal(t, now, lastSeen())

		now = now.Add(30 * time.Second)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		require.Error(t, l.SeeAgent(cancelled, "demo", "a1"))
		feedWrites()
		require.NoError(t, l.SeeAgent(ctx, "demo", "a1"))
		c, u = feedWrites()
		require.Equal(t, [2]int{1, 1}, [2]int{c, u}, "after a failed write the next read writes both again")
		require.Equal(t, now, lastSeen())
	})
}
