// Package outbound holds anonymous outbound calls over SIP (spec 003 §16,
// mobileagent/createcall): their records, the service createcall and the
// SIP service call, and the tenants' on/off switch.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/models"
)

// ErrNotFound is a call, or an access code, that does not exist (any more).
var ErrNotFound = errors.New("outbound call not found")

// Store reads and writes the outbound call records.
type Store struct {
	DB *gorm.DB
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Step is one change of a call the workflow decided, written at once.
type Step struct {
	CallSerialNo string
	// Number is the workflow's count of its steps: a step whose number the
	// row has reached already applied (a retried activity).
	Number int64
	State  string
	// At is when the step happened (workflow time).
	At time.Time
	// Ended clears the access code and stamps the end and duration.
	Ended     bool
	EndReason string
	SIPStatus int
}

// Create writes a requested call.
func (s *Store) Create(ctx context.Context, c models.OutboundCall) error {
	now := s.now()
	c.CreatedAt, c.UpdatedAt = now, now
	if err := s.DB.WithContext(ctx).Create(&c).Error; err != nil {
		return fmt.Errorf("create outbound call %s: %w", c.CallSerialNo, err)
	}
	return nil
}

// Get returns a call's row.
func (s *Store) Get(ctx context.Context, serial string) (models.OutboundCall, error) {
	return models.Take[models.OutboundCall](ctx, s.DB, ErrNotFound, "outbound call "+serial, "call_serial_no = ?", serial)
}

// ByAccessCode returns the call an access code opens; an ended call's code
// is cleared, so it finds none.
func (s *Store) ByAccessCode(ctx context.Context, code string) (models.OutboundCall, error) {
	return models.Take[models.OutboundCall](ctx, s.DB, ErrNotFound, "outbound call", "access_code = ?", code)
}

// Apply writes a step unless it applied already.
func (s *Store) Apply(ctx context.Context, st Step) error {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx
		if tx.Dialector.Name() == models.DriverMySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var c models.OutboundCall
		if err := q.Where("call_serial_no = ?", st.CallSerialNo).Take(&c).Error; err != nil {
			return err
		}
		if c.Step >= st.Number {
			return nil
		}
		at := st.At.UTC()
		c.Step, c.State, c.UpdatedAt = st.Number, st.State, s.now()
		if st.SIPStatus != 0 {
			c.SIPStatus = st.SIPStatus
		}
		switch st.State {
		case "DIALING":
			c.DialedAt = &at
		case "CONNECTED":
			c.ConnectedAt = &at
		}
		if st.Ended {
			c.EndedAt, c.AccessCode, c.EndReason = &at, nil, st.EndReason
			if c.ConnectedAt != nil {
				c.DurationSec = int64(at.Sub(*c.ConnectedAt) / time.Second)
			}
		}
		return tx.Save(&c).Error
	})
	if err != nil {
		return fmt.Errorf("step %d of outbound call %s: %w", st.Number, st.CallSerialNo, err)
	}
	return nil
}

// Enabled reports whether a tenant has outbound calls on (off without a row).
func (s *Store) Enabled(ctx context.Context, tenantID string) (bool, error) {
	var row models.OutboundCallSetting
	err := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID).Limit(1).Find(&row).Error
	if err != nil {
		return false, fmt.Errorf("outbound call setting of %s: %w", tenantID, err)
	}
	return row.Enabled, nil
}

// ErrNoTenant is a tenant that does not exist.
var ErrNoTenant = errors.New("tenant not found")

// SetEnabled turns a tenant's outbound calls on or off.
func (s *Store) SetEnabled(ctx context.Context, tenantID string, on bool) error {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&models.Tenant{}).Where("id = ?", tenantID).Count(&n).Error; err != nil {
		return fmt.Errorf("read tenant %s: %w", tenantID, err)
	}
	if n == 0 {
		return ErrNoTenant
	}
	row := models.OutboundCallSetting{TenantID: tenantID, Enabled: on, UpdatedAt: s.now()}
	if err := s.DB.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("save outbound call setting of %s: %w", tenantID, err)
	}
	return nil
}

// TenantExists reports whether a tenant exists.
func (s *Store) TenantExists(ctx context.Context, tenantID string) (bool, error) {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&models.Tenant{}).Where("id = ?", tenantID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("read tenant %s: %w", tenantID, err)
	}
	return n > 0, nil
}
