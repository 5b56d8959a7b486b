// Package records writes the visitor's records that are not conversation
// state: verdicts on robot answers (spec 003 §17).
package records

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// Records writes to the application database.
type Records struct {
	DB *gorm.DB
}

// SaveRobotFeedback stores one verdict on a robot answer.
func (r *Records) SaveRobotFeedback(ctx context.Context, f models.RobotFeedback) error {
	if err := r.DB.WithContext(ctx).Create(&f).Error; err != nil {
		return fmt.Errorf("save robot feedback: %w", err)
	}
	return nil
}
