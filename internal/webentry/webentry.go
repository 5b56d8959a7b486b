// Package webentry is the customer chat page's way in. Spec 000's guest entry
// and spec 001's visitor entry resolve a tenant, its web channel config and a
// skill group, and mint a single-use web key for one visitor; the page
// exchanges that key, once, for a web session (a ccmessaging-token marked as
// such). The page thus never holds an app secret or an AccessToken, which
// would let it act as any visitor of the tenant.
package webentry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

const (
	// KeyTTL is how long a minted key can be exchanged: long enough to follow
	// a link from an app or a redirect, short enough that a key leaked through
	// a browser history or a log is worthless soon after.
	KeyTTL = 10 * time.Minute
	// usedRetention is how long an exchanged key's row is kept: the session's
	// CONNECT reads the product card from it, and a chat page's session ends
	// long before (its token stops renewing a day after the chat is over).
	usedRetention = 7 * 24 * time.Hour
	// pruneEvery spaces the sweeps, so that the DELETE runs once a minute per
	// replica rather than with every entry.
	pruneEvery = time.Minute
	keyBytes   = 32
)

// Sources of a key, the entry that minted it.
const (
	// SourceGuest is spec 000's guest entry.
	SourceGuest = "guest"
	// SourceVisitor is spec 001's visitor entry.
	SourceVisitor = "visitor"
)

var (
	// ErrUnknownKey means no key has that value (or it is malformed, or swept).
	ErrUnknownKey = errors.New("unknown web key")
	// ErrUsedKey means the key was exchanged already: keys open one session.
	ErrUsedKey = errors.New("web key already used")
	// ErrExpiredKey means the key was not exchanged within KeyTTL.
	ErrExpiredKey = errors.New("web key expired")
	// ErrTenantMismatch means the key's channel config, app key or skill group
	// is not (or no longer) its tenant's, or the app key was disabled.
	ErrTenantMismatch = errors.New("web key does not match its tenant's configuration")
)

// Grant is what a key opens: a session for one user on one channel config.
type Grant struct {
	// Source is SourceGuest or SourceVisitor.
	Source          string
	TenantID        string
	AppKey          string
	ChannelConfigID string
	UserID          string
	UserName        string
	Avatar          string
	// SkillGroupID is the queue a transfer goes to.
	SkillGroupID int64
	// Locale is an ISO 639 code ("zh", "en") for the page and the token.
	Locale string
	// ProductCard is a compacted JSON object (see ProductCard) or empty.
	ProductCard string
	// Contact is the guest's optional details as a JSON object, or empty.
	Contact string
}

// Session is an exchanged key: its grant, its id and the tenant's name.
type Session struct {
	Grant
	WebKeyID   uint64
	TenantName string
}

// Store mints and exchanges web keys. It is shared by all requests and must
// not be copied.
type Store struct {
	DB *gorm.DB
	// Now is the clock; nil means time.Now. Tests step it past expiries.
	Now func() time.Time
	// lastPrune is when Prune last swept, in Unix nanoseconds.
	lastPrune atomic.Int64
}

// now is the store's clock in UTC, at the millisecond precision both
// databases keep, so that a time written compares equal when read back.
func (s *Store) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Truncate(time.Millisecond)
}

// Create mints a key for g, valid for KeyTTL, and returns it with its expiry.
// The key itself is never stored, only its SHA-256.
func (s *Store) Create(ctx context.Context, g Grant) (string, time.Time, error) {
	raw := make([]byte, keyBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, fmt.Errorf("generate web key: %w", err)
	}
	key := hex.EncodeToString(raw)
	now := s.now()
	row := models.WebKey{
		KeyHash: hashKey(key), Source: g.Source, TenantID: g.TenantID, AppKey: g.AppKey,
		ChannelConfigID: g.ChannelConfigID, UserID: g.UserID, UserName: g.UserName, Avatar: g.Avatar,
		SkillGroupID: g.SkillGroupID, Locale: g.Locale, ProductCard: g.ProductCard, Contact: g.Contact,
		CreatedAt: now, ExpiresAt: now.Add(KeyTTL),
	}
	if err := s.DB.WithContext(ctx).Create(&row).Error; err != nil {
		return "", time.Time{}, fmt.Errorf("store web key: %w", err)
	}
	return key, row.ExpiresAt, nil
}

// Exchange spends key and returns what it opens. The conditional UPDATE is
// the check: of two exchanges racing for one key, on any number of replicas,
// the database lets exactly one change the row. The tenant's configuration is
// checked afterwards, so a key whose channel config or app key is not its
// tenant's opens nothing, and is spent all the same.
func (s *Store) Exchange(ctx context.Context, key string) (Session, error) {
	if !wellFormed(key) {
		return Session{}, ErrUnknownKey
	}
	hash := hashKey(key)
	now := s.now()
	db := s.DB.WithContext(ctx)
	res := db.Model(&models.WebKey{}).
		Where("key_hash = ? AND used_at IS NULL AND expires_at > ?", hash, now).
		Update("used_at", now)
	if res.Error != nil {
		return Session{}, fmt.Errorf("spend web key: %w", res.Error)
	}
	var row models.WebKey
	err := db.Where("key_hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, ErrUnknownKey
	}
	if err != nil {
		return Session{}, fmt.Errorf("read web key: %w", err)
	}
	if res.RowsAffected == 0 {
		if row.UsedAt != nil {
			return Session{}, ErrUsedKey
		}
		return Session{}, ErrExpiredKey
	}
	name, err := s.checkTenant(ctx, row)
	if err != nil {
		return Session{}, err
	}
	return Session{
		WebKeyID: row.ID, TenantName: name,
		Grant: Grant{
			Source: row.Source, TenantID: row.TenantID, AppKey: row.AppKey, ChannelConfigID: row.ChannelConfigID,
			UserID: row.UserID, UserName: row.UserName, Avatar: row.Avatar, SkillGroupID: row.SkillGroupID,
			Locale: row.Locale, ProductCard: row.ProductCard, Contact: row.Contact,
		},
	}, nil
}

// checkTenant confirms that the key's channel config, enabled app key and
// skill group all belong to its tenant, and returns the tenant's name.
func (s *Store) checkTenant(ctx context.Context, row models.WebKey) (string, error) {
	db := s.DB.WithContext(ctx)
	var t models.Tenant
	err := db.Where("id = ?", row.TenantID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", ErrTenantMismatch
	}
	if err != nil {
		return "", fmt.Errorf("look up the web key's tenant: %w", err)
	}
	if err := exists(db, "channel config", &models.ChannelConfig{}, "id = ? AND tenant_id = ?", row.ChannelConfigID, row.TenantID); err != nil {
		return "", err
	}
	if err := exists(db, "app key", &models.AppKey{}, "`key` = ? AND tenant_id = ? AND disabled = ?", row.AppKey, row.TenantID, false); err != nil {
		return "", err
	}
	if row.SkillGroupID != 0 {
		if err := exists(db, "skill group", &models.SkillGroup{}, "id = ? AND tenant_id = ?", row.SkillGroupID, row.TenantID); err != nil {
			return "", err
		}
	}
	return t.Name, nil
}

// exists fails with ErrTenantMismatch unless a row of model matches.
func exists(db *gorm.DB, what string, model any, where string, args ...any) error {
	var n int64
	if err := db.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		return fmt.Errorf("check the web key's %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrTenantMismatch, what)
	}
	return nil
}

// ProductCard returns the product card of an exchanged key of the tenant;
// empty when there is none or the row has been swept.
func (s *Store) ProductCard(ctx context.Context, tenantID string, webKeyID uint64) (string, error) {
	var row models.WebKey
	err := s.DB.WithContext(ctx).Select("product_card").
		Where("id = ? AND tenant_id = ? AND used_at IS NOT NULL", webKeyID, tenantID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the web session's product card: %w", err)
	}
	return row.ProductCard, nil
}

// Prune deletes keys that expired unused and exchanged keys past their
// retention, at most once per pruneEvery per Store. Such rows are harmless
// (an expired key opens nothing), so the sweep needs no scheduler.
func (s *Store) Prune(ctx context.Context) error {
	now := s.now()
	last := s.lastPrune.Load()
	if now.UnixNano()-last < int64(pruneEvery) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	err := s.DB.WithContext(ctx).
		Where("(used_at IS NULL AND expires_at < ?) OR expires_at < ?", now, now.Add(-usedRetention)).
		Delete(&models.WebKey{}).Error
	if err != nil {
		return fmt.Errorf("delete expired web keys: %w", err)
	}
	return nil
}

// hashKey is the stored form of a key.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// wellFormed accepts what Create hands out: 64 lower-case hex digits. Anything
// else is refused before it reaches the database.
func wellFormed(key string) bool {
	if len(key) != 2*keyBytes {
		return false
	}
	for _, r := range key {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
