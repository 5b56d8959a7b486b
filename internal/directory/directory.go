// Package directory reads tenants' configuration (app keys, channel configs)
// for the API, and turns a channel config into the snapshot a conversation runs with.
package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// ErrNotFound is returned when a looked-up entity does not exist.
var ErrNotFound = errors.New("not found")

// Directory answers configuration look-ups from the database.
type Directory struct {
	DB *gorm.DB
}

// AppKey returns an enabled app key.
func (d *Directory) AppKey(ctx context.Context, key string) (models.AppKey, error) {
	var k models.AppKey
	err := d.DB.WithContext(ctx).Where("`key` = ? AND disabled = ?", key, false).Take(&k).Error
	return k, notFound(err, "app key")
}

// Channel returns the conversation snapshot of a channel config.
func (d *Directory) Channel(ctx context.Context, id string) (conversation.Channel, error) {
	var cc models.ChannelConfig
	if err := d.DB.WithContext(ctx).Where("id = ?", id).Take(&cc).Error; err != nil {
		return conversation.Channel{}, notFound(err, "channel config")
	}
	businessID, endpoints, err := d.pushTargets(ctx, cc.TenantID)
	if err != nil {
		return conversation.Channel{}, err
	}
	return conversation.Channel{
		ID:               cc.ID,
		TenantID:         cc.TenantID,
		RobotEnabled:     cc.RobotEnabled,
		RobotNickname:    cc.RobotNickname,
		RobotGreeting:    cc.RobotGreeting,
		RobotMaxMisses:   cc.RobotMaxMisses,
		Locale:           cc.Locale,
		SkillGroupID:     cc.DefaultSkillGroup,
		WorkingHours:     cc.WorkingHours,
		TimeZone:         cc.TimeZone,
		MaxQueueWait:     seconds(cc.MaxQueueWaitSec),
		RobotIdle:        seconds(cc.RobotIdleSec),
		QueueIdle:        seconds(cc.QueueIdleSec),
		AgentIdle:        seconds(cc.AgentIdleSec),
		SatisfactionWait: seconds(cc.SatisfactionSec),
		BusinessID:       businessID,
		PushEndpoints:    endpoints,
	}, nil
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("look up %s: %w", what, err)
	}
	return nil
}

// SkillGroups returns the skill groups of the tenant with a business id, in id order.
func (d *Directory) SkillGroups(ctx context.Context, businessID int64) ([]models.SkillGroup, error) {
	var t models.Tenant
	if err := d.DB.WithContext(ctx).Where("business_id = ?", businessID).Take(&t).Error; err != nil {
		return nil, notFound(err, "business")
	}
	var groups []models.SkillGroup
	if err := d.DB.WithContext(ctx).Where("tenant_id = ?", t.ID).Order("id").Find(&groups).Error; err != nil {
		return nil, fmt.Errorf("skill groups of business %d: %w", businessID, err)
	}
	return groups, nil
}
