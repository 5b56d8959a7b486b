package admin

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// FAQFields are a FAQ entry's texts; on update a nil field keeps its value.
type FAQFields struct {
	Question *string `json:"question"`
	Answer   *string `json:"answer"`
	// Keywords are comma-separated ("发货,快递"); full-width commas work too.
	Keywords *string `json:"keywords"`
}

// NewFAQEntry is a FAQ entry to create; its id is assigned.
type NewFAQEntry struct {
	TenantID string `json:"tenantId"`
	FAQFields
}

func (f FAQFields) apply(e *models.FAQEntry) {
	set(&e.Question, trimmed(f.Question))
	set(&e.Answer, f.Answer)
	set(&e.Keywords, trimmed(f.Keywords))
}

func checkFAQEntry(e models.FAQEntry) error {
	return collect(
		identifier("tenantId", e.TenantID, 64),
		line("question", e.Question, 500, true),
		text("answer", e.Answer, 2000, true),
		line("keywords", e.Keywords, 500, false),
	)
}

// CreateFAQEntry adds a FAQ entry. The robot's cache of the tenant's FAQ
// picks it up on expiry unless the caller invalidates that cache.
func (s *Store) CreateFAQEntry(ctx context.Context, in NewFAQEntry) (models.FAQEntry, error) {
	e := models.FAQEntry{TenantID: strings.TrimSpace(in.TenantID)}
	in.apply(&e)
	if err := checkFAQEntry(e); err != nil {
		return models.FAQEntry{}, err
	}
	err := s.inTenant(ctx, e.TenantID, func(tx *gorm.DB) error {
		return tx.Create(&e).Error
	})
	return result(e, writeErr(err, "create FAQ entry", "FAQ entry already exists"))
}

// FAQEntry reads a FAQ entry.
func (s *Store) FAQEntry(ctx context.Context, id uint64) (models.FAQEntry, error) {
	return find[models.FAQEntry](ctx, s.DB, "FAQ entry", "id", id)
}

// FAQEntries lists FAQ entries, of one tenant when tenantID is set.
func (s *Store) FAQEntries(ctx context.Context, tenantID string, p Page) (List[models.FAQEntry], error) {
	return list[models.FAQEntry](ctx, s.DB, tenantID, p, "id")
}

// UpdateFAQEntry changes the given texts of a FAQ entry.
func (s *Store) UpdateFAQEntry(ctx context.Context, id uint64, f FAQFields) (models.FAQEntry, error) {
	e, err := withRow(ctx, s, "FAQ entry", "id", id, faqTenant, func(tx *gorm.DB, e *models.FAQEntry) error {
		f.apply(e)
		if err := checkFAQEntry(*e); err != nil {
			return err
		}
		return update(tx, e, "ID")
	})
	return result(e, writeErr(err, fmt.Sprintf("update FAQ entry %d", id), "FAQ entry changed meanwhile"))
}

// DeleteFAQEntry removes a FAQ entry.
func (s *Store) DeleteFAQEntry(ctx context.Context, id uint64) (models.FAQEntry, error) {
	e, err := withRow(ctx, s, "FAQ entry", "id", id, faqTenant, func(tx *gorm.DB, e *models.FAQEntry) error {
		return tx.Delete(e).Error
	})
	return result(e, writeErr(err, fmt.Sprintf("delete FAQ entry %d", id), "FAQ entry is in use"))
}

func faqTenant(e models.FAQEntry) string { return e.TenantID }
