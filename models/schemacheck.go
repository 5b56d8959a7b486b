package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// CheckSchema refuses a database whose schema is older than this binary's
// migrations: the scaled-out roles do not migrate (`ccflow migrate` runs
// once, before them, so replicas never race), and a server or worker on an
// old schema would fail later, query by query. The error says what to run.
func CheckSchema(ctx context.Context, db *gorm.DB) error {
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("read the %s database's schema version (%w): a new database? run `ccflow migrate` with the same CCFLOW_DB_DRIVER and CCFLOW_DB_DSN first", db.Dialector.Name(), err)
	}
	if current < target {
		return fmt.Errorf("the %s database's schema is at version %d and this ccflow needs version %d: run `ccflow migrate` with the same CCFLOW_DB_DRIVER and CCFLOW_DB_DSN, then start it again", db.Dialector.Name(), current, target)
	}
	return nil
}
