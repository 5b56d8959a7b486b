package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Take reads the one row of T matching where, answering notFound when there
// is none and wrapping other errors with what was read.
func Take[T any](ctx context.Context, db *gorm.DB, notFound error, what, where string, args ...any) (T, error) {
	var row T
	err := db.WithContext(ctx).Where(where, args...).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, notFound
	}
	if err != nil {
		return row, fmt.Errorf("read %s: %w", what, err)
	}
	return row, nil
}
