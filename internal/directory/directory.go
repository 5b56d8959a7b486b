// Package directory reads tenants' configuration (app keys, channel configs)
// for the API, and turns a channel config into the snapshot a conversation runs with.
package directory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/authcache"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// ErrNotFound is returned when a looked-up entity does not exist.
var ErrNotFound = errors.New("not found")

// Directory answers configuration look-ups from the database.
type Directory struct {
	DB *gorm.DB
	// StaleFor is how long AppKey may answer from its last good read while
	// the database fails; 0 means DefaultStaleFor.
	StaleFor time.Duration
	// Auth caches AppKey's reads until a revocation (nil: every call reads).
	Auth *authcache.Cache

	mu sync.Mutex
	// lastGood is each app key's last successful read, and when.
	lastGood map[string]goodKey
}

type goodKey struct {
	key models.AppKey
	at  time.Time
}

// DefaultStaleFor covers a database failover or restart with room to spare,
// and is the lifetime of a ccmessaging-token: a visitor active before the
// outage keeps chatting through one this long.
const DefaultStaleFor = time.Hour

// maxLastGood bounds the app keys remembered; a tenant has a handful.
const maxLastGood = 10_000

// AppKey returns an enabled app key. A read is cached until the key is
// revoked (disabled, rotated or deleted), which counts at once on every
// replica (internal/authcache); without Auth every call reads. Only
// when that read fails (the database is down or unreachable, not "no such
// key") does it answer the key's last successful read of the last StaleFor,
// so that authenticated customers keep going through a database outage; a
// change made during the outage (which needs the database too) counts once
// the read succeeds again.
func (d *Directory) AppKey(ctx context.Context, key string) (models.AppKey, error) {
	k, err := authcache.Get(ctx, d.Auth, authcache.AppKey(key), func(ctx context.Context) (models.AppKey, error) {
		return d.readAppKey(ctx, key)
	})
	if err == nil || errors.Is(err, ErrNotFound) {
		return k, err
	}
	// The database failed: the last good read answers, never cached, so the
	// cache holds only what the database said.
	staleFor := d.StaleFor
	if staleFor == 0 {
		staleFor = DefaultStaleFor
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if g, ok := d.lastGood[key]; ok && time.Since(g.at) <= staleFor {
		return g.key, nil
	}
	return models.AppKey{}, err
}

// readAppKey reads an enabled app key and remembers a good read.
func (d *Directory) readAppKey(ctx context.Context, key string) (models.AppKey, error) {
	var k models.AppKey
	err := d.DB.WithContext(ctx).Where("`key` = ? AND disabled = ?", key, false).Take(&k).Error
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case err == nil:
		if d.lastGood == nil || len(d.lastGood) >= maxLastGood {
			d.lastGood = map[string]goodKey{}
		}
		d.lastGood[key] = goodKey{key: k, at: time.Now()}
	case errors.Is(err, gorm.ErrRecordNotFound):
		delete(d.lastGood, key)
	}
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
