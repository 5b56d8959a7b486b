// Package queueinfo answers spec 003 §4's queue questions from the
// conversations the workflows persist: who waits in a skill group, since when,
// and how long recent waits actually lasted.
package queueinfo

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// recentWaits is how many recent assignments the estimate averages.
const recentWaits = 20

// Info is spec 003 §4.1.2, in seconds.
type Info struct {
	Position              int
	TotalWaitTime         int
	CurrentDeviceWaitTime int
	ConfigMaxcWaitTime    int
	LongestWaitTime       int
	EstimateWaitTime      int
}

// Waiting identifies one queued conversation.
type Waiting struct {
	TenantID       string
	SkillGroupID   int64
	ConversationID string
	QueuedAt       time.Time
	MaxWait        time.Duration
}

// Queues reads queue data from the database.
type Queues struct {
	DB *gorm.DB
}

// Info computes the numbers for one waiting conversation at now.
func (q *Queues) Info(ctx context.Context, w Waiting, now time.Time) (Info, error) {
	var queued []models.Conversation
	err := q.DB.WithContext(ctx).Select("id", "queued_at").
		Where("tenant_id = ? AND skill_group_id = ? AND phase = ? AND queued_at IS NOT NULL", w.TenantID, w.SkillGroupID, "QUEUED").
		Order("queued_at").Limit(10000).Find(&queued).Error
	if err != nil {
		return Info{}, fmt.Errorf("queue of skill group %d: %w", w.SkillGroupID, err)
	}
	mine := now.Sub(w.QueuedAt)
	info := Info{Position: 1, TotalWaitTime: secs(mine), ConfigMaxcWaitTime: secs(w.MaxWait), LongestWaitTime: secs(mine)}
	var sum time.Duration
	n := 0
	for _, c := range queued {
		if c.ID == w.ConversationID {
			continue
		}
		wait := now.Sub(*c.QueuedAt)
		if c.QueuedAt.Before(w.QueuedAt) {
			info.Position++
		}
		info.LongestWaitTime = max(info.LongestWaitTime, secs(wait))
		sum += wait
		n++
	}
	// The visitor's own wait counts too: the row may not be written yet.
	info.CurrentDeviceWaitTime = secs((sum + mine) / time.Duration(n+1))

	var assigned []models.Conversation
	err = q.DB.WithContext(ctx).Select("queued_at", "assigned_at").
		Where("tenant_id = ? AND skill_group_id = ? AND assigned_at IS NOT NULL AND queued_at IS NOT NULL AND assigned_at > ?",
			w.TenantID, w.SkillGroupID, now.Add(-24*time.Hour)).
		Order("assigned_at DESC").Limit(recentWaits).Find(&assigned).Error
	if err != nil {
		return Info{}, fmt.Errorf("recent waits of skill group %d: %w", w.SkillGroupID, err)
	}
	if len(assigned) > 0 {
		var total time.Duration
		for _, c := range assigned {
			total += c.AssignedAt.Sub(*c.QueuedAt)
		}
		info.EstimateWaitTime = secs(total / time.Duration(len(assigned)))
	}
	return info, nil
}

func secs(d time.Duration) int {
	if d < 0 {
		return 0
	}
	return int(d / time.Second)
}
