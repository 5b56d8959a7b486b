package webentry

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

var (
	// ErrUnknownSite means no tenant has spec 000's vendorId and siteId.
	ErrUnknownSite = errors.New("no tenant with that vendorId and siteId")
	// ErrUnknownBusiness means no tenant has spec 001's business_id.
	ErrUnknownBusiness = errors.New("no business with that business_id")
	// ErrUnknownGroup means spec 001's groupid is not a skill group of the business.
	ErrUnknownGroup = errors.New("not a skill group of that business")
	// ErrNoWebChat means the tenant has no channel config or no enabled app
	// key, so no session could be issued.
	ErrNoWebChat = errors.New("the tenant has no web chat")
)

// Target is where an entry sends its visitor: a tenant's web channel.
type Target struct {
	TenantID        string
	TenantName      string
	AppKey          string
	ChannelConfigID string
	// SkillGroupID is the chosen group, or the channel config's default.
	SkillGroupID int64
	// Locale is the channel config's locale ("zh", "en").
	Locale string
	// Secret is AppKey's secret, the tenant's key for signed visitor ids.
	Secret string
}

// GuestTarget resolves spec 000's vendorId and siteId, which together name
// one tenant, to its web channel with the channel's default skill group.
func (s *Store) GuestTarget(ctx context.Context, vendorID, siteID string) (Target, error) {
	var t models.Tenant
	err := s.DB.WithContext(ctx).Where("vendor_id = ? AND site_id = ?", vendorID, siteID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Target{}, ErrUnknownSite
	}
	if err != nil {
		return Target{}, fmt.Errorf("look up site: %w", err)
	}
	return s.target(ctx, t)
}

// VisitorTarget resolves spec 001's business_id and groupid to the tenant's
// web channel; groupID 0 means the channel config's default skill group.
func (s *Store) VisitorTarget(ctx context.Context, businessID, groupID int64) (Target, error) {
	db := s.DB.WithContext(ctx)
	var t models.Tenant
	err := db.Where("business_id = ?", businessID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Target{}, ErrUnknownBusiness
	}
	if err != nil {
		return Target{}, fmt.Errorf("look up business: %w", err)
	}
	tg, err := s.target(ctx, t)
	if err != nil || groupID == 0 {
		return tg, err
	}
	var n int64
	if err := db.Model(&models.SkillGroup{}).Where("id = ? AND tenant_id = ?", groupID, t.ID).Count(&n).Error; err != nil {
		return Target{}, fmt.Errorf("look up skill group: %w", err)
	}
	if n == 0 {
		return Target{}, ErrUnknownGroup
	}
	tg.SkillGroupID = groupID
	return tg, nil
}

// target picks the tenant's web channel. Neither spec names a channel config,
// so an entry uses the tenant's first one (oldest, then smallest id), the one
// a tenant starts with; sessions are issued under the tenant's first enabled
// app key by the same rule as spec 002's signatures. Both rules only change
// when an operator adds an older row or disables the key.
func (s *Store) target(ctx context.Context, t models.Tenant) (Target, error) {
	db := s.DB.WithContext(ctx)
	var cc models.ChannelConfig
	err := db.Where("tenant_id = ?", t.ID).Order("created_at").Order("id").Take(&cc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Target{}, ErrNoWebChat
	}
	if err != nil {
		return Target{}, fmt.Errorf("look up channel config: %w", err)
	}
	var k models.AppKey
	err = db.Where("tenant_id = ? AND disabled = ?", t.ID, false).Order("created_at").Order("`key`").Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Target{}, ErrNoWebChat
	}
	if err != nil {
		return Target{}, fmt.Errorf("look up app key: %w", err)
	}
	return Target{
		TenantID: t.ID, TenantName: t.Name, AppKey: k.Key, ChannelConfigID: cc.ID,
		SkillGroupID: cc.DefaultSkillGroup, Locale: cc.Locale, Secret: k.Secret,
	}, nil
}
