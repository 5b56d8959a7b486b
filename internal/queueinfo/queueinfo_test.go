package queueinfo

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestInfoFromPersistedConversations(t *testing.T) {
	db := modelstest.SQLiteDB(t)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(-d); return &v }
	rows := []models.Conversation{
		// Waiting in group 11 before, with and after the visitor.
		{ID: "a", QueuedAt: at(5 * time.Minute), Phase: "QUEUED", SkillGroupID: 11},
		{ID: "b", QueuedAt: at(3 * time.Minute), Phase: "QUEUED", SkillGroupID: 11},
		{ID: "me", QueuedAt: at(2 * time.Minute), Phase: "QUEUED", SkillGroupID: 11},
		{ID: "c", QueuedAt: at(1 * time.Minute), Phase: "QUEUED", SkillGroupID: 11},
		// Not in this queue: another group, another tenant, already with an agent.
		{ID: "d", QueuedAt: at(9 * time.Minute), Phase: "QUEUED", SkillGroupID: 12},
		{ID: "e", QueuedAt: at(9 * time.Minute), Phase: "QUEUED", SkillGroupID: 11, TenantID: "other"},
		// Recent real waits in group 11: 60 s and 120 s; one older than a day does not count.
		{ID: "f", QueuedAt: at(30 * time.Minute), AssignedAt: at(29 * time.Minute), Phase: "AGENT", SkillGroupID: 11},
		{ID: "g", QueuedAt: at(40 * time.Minute), AssignedAt: at(38 * time.Minute), Phase: "CLOSED", SkillGroupID: 11},
		{ID: "h", QueuedAt: at(49 * time.Hour), AssignedAt: at(48 * time.Hour), Phase: "CLOSED", SkillGroupID: 11},
	}
	for _, r := range rows {
		if r.TenantID == "" {
			r.TenantID = "demo"
		}
		r.WorkflowID, r.ChannelConfigID, r.UserID, r.StartedAt, r.UpdatedAt = "wf-"+r.ID, "ch", "u-"+r.ID, now.Add(-time.Hour), now
		require.NoError(t, db.Create(&r).Error)
	}
	q := &Queues{DB: db}
	info, err := q.Info(context.Background(), Waiting{
		TenantID: "demo", SkillGroupID: 11, ConversationID: "me", QueuedAt: *at(2 * time.Minute), MaxWait: 5 * time.Minute,
	}, now)
	require.NoError(t, err)
	require.Equal(t, Info{
		Position:              3,
		TotalWaitTime:         120,
		CurrentDeviceWaitTime: (300 + 180 + 120 + 60) / 4,
		ConfigMaxcWaitTime:    300,
		LongestWaitTime:       300,
		EstimateWaitTime:      90,
	}, info)
}

func TestInfoOfAVisitorNotYetPersisted(t *testing.T) {
	db := modelstest.SQLiteDB(t)
	now := time.Now().UTC()
	info, err := (&Queues{DB: db}).Info(context.Background(), Waiting{
		TenantID: "demo", SkillGroupID: 11, ConversationID: "me", QueuedAt: now.Add(-10 * time.Second), MaxWait: time.Minute,
	}, now)
	require.NoError(t, err)
	require.Equal(t, 1, info.Position)
	require.Equal(t, 10, info.TotalWaitTime)
	require.Equal(t, 10, info.LongestWaitTime)
	require.Equal(t, 0, info.EstimateWaitTime, "no recent waits: no estimate")
}
