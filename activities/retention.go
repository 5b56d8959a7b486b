package activities

import (
	"context"
	"time"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/workflows/retention"
)

// retentionBatch is how many files of one tenant an activity removes.
const retentionBatch = 500

// FileRetention deletes the files whose tenant's retention period passed.
type FileRetention struct {
	Files *files.Service
	// Default applies to tenants whose file_retention_days is 0.
	Default time.Duration
}

// RemoveExpiredFiles removes up to a batch of expired files per tenant.
// Deleting is idempotent, so a retried activity only finds fewer.
func (a *FileRetention) RemoveExpiredFiles(ctx context.Context) (retention.Batch, error) {
	var tenants []models.Tenant
	if err := a.Files.DB.WithContext(ctx).Select("id", "file_retention_days").Find(&tenants).Error; err != nil {
		return retention.Batch{}, err
	}
	var out retention.Batch
	now := time.Now()
	for _, t := range tenants {
		keep := a.Default
		if t.FileRetentionDays > 0 {
			keep = time.Duration(t.FileRetentionDays) * 24 * time.Hour
		}
		n, err := a.Files.RemoveOlderThan(ctx, t.ID, now.Add(-keep), retentionBatch)
		out.Removed += n
		if err != nil {
			return out, err
		}
		out.More = out.More || n == retentionBatch
	}
	return out, nil
}
