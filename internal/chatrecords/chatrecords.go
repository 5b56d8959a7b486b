// Package chatrecords reads and writes a member's chat records (spec 004):
// the paged list, records a client adds itself, the member's soft delete and
// the latest record per seller. The queries are portable across SQLite and MySQL.
package chatrecords

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// ErrNotFound is returned when a record does not exist for the member.
var ErrNotFound = errors.New("no such record")

// Store reads and writes chat records in the application database.
type Store struct {
	DB *gorm.DB
}

// Member is whose records: one user of one channel config of a tenant. A
// ccmessaging-token names all three, and a member sees only the records of
// that channel: the same user id on another channel is another member.
type Member struct {
	TenantID        string
	ChannelConfigID string
	UserID          string
}

// Filter selects a member's records. Records the member deleted are never selected.
type Filter struct {
	Member
	// RCType, when set, keeps only records of that spec 004 message type.
	RCType string
	// From keeps records created at or after it; To keeps records created before it.
	From, To *time.Time
	// ID, when set, keeps only that record.
	ID uint64
}

// ofMember narrows q to m's records: those of m's conversations on m's
// channel, and those m created on it (which have no conversation).
func (s *Store) ofMember(q *gorm.DB, m Member) *gorm.DB {
	convs := s.DB.Model(&models.Conversation{}).Select("id").
		Where("channel_config_id = ? AND user_id = ? AND tenant_id = ?", m.ChannelConfigID, m.UserID, m.TenantID)
	return q.Where("tenant_id = ? AND user_id = ?", m.TenantID, m.UserID).
		Where(s.DB.Where("conversation_id IN (?)", convs).
			Or("conversation_id = '' AND channel_config_id = ?", m.ChannelConfigID))
}

func (s *Store) filtered(ctx context.Context, f Filter) *gorm.DB {
	q := s.ofMember(s.DB.WithContext(ctx).Model(&models.ChatRecord{}), f.Member).
		Where("deleted_by_member_at IS NULL")
	if f.RCType != "" {
		q = q.Where("rc_type = ?", f.RCType)
	}
	if f.From != nil {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	if f.ID != 0 {
		q = q.Where("id = ?", f.ID)
	}
	return q
}

// List returns one page of the records f selects, newest (highest id) first,
// and how many records f selects in all.
func (s *Store) List(ctx context.Context, f Filter, offset, limit int) ([]models.ChatRecord, int64, error) {
	var total int64
	if err := s.filtered(ctx, f).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count chat records: %w", err)
	}
	rows := []models.ChatRecord{}
	if total == 0 || int64(offset) >= total {
		return rows, total, nil
	}
	if err := s.filtered(ctx, f).Order("id DESC").Offset(offset).Limit(limit).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list chat records: %w", err)
	}
	return rows, total, nil
}

// Create inserts rec and sets its ID. A record without a conversation must
// name its ChannelConfigID, or no member would ever see it.
func (s *Store) Create(ctx context.Context, rec *models.ChatRecord) error {
	if err := s.DB.WithContext(ctx).Create(rec).Error; err != nil {
		return fmt.Errorf("create chat record: %w", err)
	}
	return nil
}

// DeleteForMember hides record id from its member (the seller's copy stays).
// Deleting a record twice succeeds; a record that is not the member's is ErrNotFound.
func (s *Store) DeleteForMember(ctx context.Context, m Member, id uint64, at time.Time) error {
	db := s.DB.WithContext(ctx)
	res := s.ofMember(db.Model(&models.ChatRecord{}), m).
		Where("id = ? AND deleted_by_member_at IS NULL", id).
		Update("deleted_by_member_at", at.UTC())
	if res.Error != nil {
		return fmt.Errorf("delete chat record %d: %w", id, res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	err := s.ofMember(db.Model(&models.ChatRecord{}), m).Where("id = ?", id).Count(&n).Error
	if err != nil {
		return fmt.Errorf("look up chat record %d: %w", id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Conversation is a member's latest record with one seller, and the seller's shop.
type Conversation struct {
	Record   models.ChatRecord
	ShopName string
	Logo     string
}

// Latest returns member m's latest record they have not deleted with m's
// seller (a token names one), with the seller's shop; none when m has none.
func (s *Store) Latest(ctx context.Context, m Member) ([]Conversation, error) {
	db := s.DB.WithContext(ctx)
	latest := s.ofMember(db.Model(&models.ChatRecord{}), m).Select("MAX(id)").
		Where("deleted_by_member_at IS NULL").Group("tenant_id")
	var rows []models.ChatRecord
	if err := db.Where("id IN (?)", latest).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("latest chat records: %w", err)
	}
	out := make([]Conversation, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.TenantID)
	}
	var tenants []models.Tenant
	if err := db.Select("id", "name", "logo").Where("id IN ?", ids).Find(&tenants).Error; err != nil {
		return nil, fmt.Errorf("load sellers: %w", err)
	}
	byID := make(map[string]models.Tenant, len(tenants))
	for _, t := range tenants {
		byID[t.ID] = t
	}
	for _, r := range rows {
		t := byID[r.TenantID]
		out = append(out, Conversation{Record: r, ShopName: t.Name, Logo: t.Logo})
	}
	return out, nil
}
