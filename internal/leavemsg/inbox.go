package leavemsg

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// ErrNotFound is a leave message that does not exist or belongs to another tenant.
var ErrNotFound = errors.New("leave message not found")

// MaxTag is the longest tag (varchar(45)).
const MaxTag = 45

// Page is a slice of a tenant's leave messages, newest first.
type Page struct {
	Messages []models.LeaveMessage
	Total    int64
}

// List returns a tenant's leave messages, newest first; with tag set, only
// those carrying it ("-" for untagged ones).
func (s *Store) List(ctx context.Context, tenantID, tag string, offset, limit int) (Page, error) {
	q := s.DB.WithContext(ctx).Model(&models.LeaveMessage{}).
		Joins("JOIN leave_message_tenants o ON o.message_id = cc_misc_lvmsg.id").
		Where("o.tenant_id = ?", tenantID)
	switch tag {
	case "":
	case "-":
		q = q.Where("cc_misc_lvmsg.tag IS NULL")
	default:
		q = q.Where("cc_misc_lvmsg.tag = ?", tag)
	}
	var p Page
	if err := q.Count(&p.Total).Error; err != nil {
		return p, fmt.Errorf("count leave messages: %w", err)
	}
	err := q.Select("cc_misc_lvmsg.*").Order("o.created_at DESC").Order("cc_misc_lvmsg.id").
		Offset(offset).Limit(limit).Find(&p.Messages).Error
	if err != nil {
		return p, fmt.Errorf("list leave messages: %w", err)
	}
	return p, nil
}

// Get returns one of a tenant's leave messages.
func (s *Store) Get(ctx context.Context, tenantID, id string) (models.LeaveMessage, error) {
	var m models.LeaveMessage
	err := s.DB.WithContext(ctx).
		Joins("JOIN leave_message_tenants o ON o.message_id = cc_misc_lvmsg.id").
		Where("o.tenant_id = ? AND cc_misc_lvmsg.id = ?", tenantID, id).
		Select("cc_misc_lvmsg.*").Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("read leave message: %w", err)
	}
	return m, nil
}

// Tag sets or, with an empty tag, clears the tag of one of a tenant's leave
// messages, and returns the message as stored.
func (s *Store) Tag(ctx context.Context, tenantID, id, tag string) (models.LeaveMessage, error) {
	if _, err := s.Get(ctx, tenantID, id); err != nil {
		return models.LeaveMessage{}, err
	}
	var value *string
	if tag != "" {
		value = &tag
	}
	// spec 002's create_time is ON UPDATE CURRENT_TIMESTAMP on MySQL: naming
	// it in the UPDATE keeps a tag from rewriting when the message was left.
	err := s.DB.WithContext(ctx).Model(&models.LeaveMessage{}).Where("id = ?", id).
		Updates(map[string]any{"tag": value, "create_time": gorm.Expr("create_time")}).Error
	if err != nil {
		return models.LeaveMessage{}, fmt.Errorf("tag leave message: %w", err)
	}
	return s.Get(ctx, tenantID, id)
}
