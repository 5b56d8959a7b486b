package app

import (
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/faq"
)

// faqLibrary is the process's one FAQ cache. The worker's robot and the API
// share it, so that when the admin API invalidates a tenant's FAQ after an
// edit, the all-in-one's robot answers from the new entries at once.
func (s *stack) faqLibrary(db *gorm.DB) *faq.Library {
	if s.faq == nil {
		s.faq = faq.NewLibrary(db, faqTTL)
	}
	return s.faq
}
