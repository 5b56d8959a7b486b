package authcache

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// keepChanges is how long auth_changes rows stay: a tailer reads only the
// newest few hundred ids, so a day is only for a person looking at the table.
const keepChanges = 24 * time.Hour

// Record writes the revocation of subjects into tx, the transaction of the
// change itself, so the rows commit exactly when the change does. Call
// Cache.Revoked after the commit.
func Record(tx *gorm.DB, subjects ...string) error {
	now := time.Now().UTC()
	rows := make([]models.AuthChange, 0, len(subjects))
	for _, s := range subjects {
		rows = append(rows, models.AuthChange{Subject: s, CreatedAt: now})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("record revocation of %v: %w", subjects, err)
	}
	// Revocations are rare (logouts, admin changes): pruning here keeps the
	// table small without a job of its own.
	if err := tx.Where("created_at < ?", now.Add(-keepChanges)).Delete(&models.AuthChange{}).Error; err != nil {
		return fmt.Errorf("prune auth changes: %w", err)
	}
	return nil
}
