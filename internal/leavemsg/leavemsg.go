// Package leavemsg is the leave-message service behind spec 002's
// /api/{version}/{appid}/leavemessage and spec 003's doLeaveMessage: the
// request signature, the validation rules, and the writes to cc_misc_lvmsg
// together with the table of used signatures that refuses replays.
package leavemsg

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/models"
)

// pruneEvery spaces the sweeps of expired nonces: one DELETE a minute per
// replica keeps the table at a few minutes of traffic without adding a
// statement, and its locks, to every request.
const pruneEvery = time.Minute

var (
	// ErrUnknownApp means no tenant has the appid, or it has no enabled app key.
	ErrUnknownApp = errors.New("unknown appid")
	// ErrReplay means the request's signature has been used already.
	ErrReplay = errors.New("request already used")
)

// App is what a signed leave-message request is checked against.
type App struct {
	TenantID   string
	TenantName string
	// Secret is the secret of the tenant's first enabled app key (oldest
	// created_at, then smallest key). Spec 002 names only an appid, which
	// identifies a tenant rather than a key, so one key has to be chosen; the
	// oldest is the one a tenant starts with and keeps while adding others for
	// other integrations. Disabling it moves signing to the next one.
	Secret string
}

// Nonce is a one-time credential to record together with a message.
type Nonce struct {
	Scope     string
	Value     string
	ExpiresAt time.Time
}

// Store reads and writes leave messages in the application database. It is
// shared by all requests and must not be copied.
type Store struct {
	DB *gorm.DB
	// lastPrune is when PruneNonces last swept, in Unix nanoseconds.
	lastPrune atomic.Int64
}

// App returns the tenant whose appid is appID with its signing secret.
func (s *Store) App(ctx context.Context, appID string) (App, error) {
	var t models.Tenant
	err := s.DB.WithContext(ctx).Where("app_id = ?", appID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return App{}, ErrUnknownApp
	}
	if err != nil {
		return App{}, fmt.Errorf("look up appid: %w", err)
	}
	var k models.AppKey
	err = s.DB.WithContext(ctx).Where("tenant_id = ? AND disabled = ?", t.ID, false).
		Order("created_at").Order("`key`").Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return App{}, ErrUnknownApp
	}
	if err != nil {
		return App{}, fmt.Errorf("look up app key of appid: %w", err)
	}
	return App{TenantID: t.ID, TenantName: t.Name, Secret: k.Secret}, nil
}

// TenantName returns a tenant's name, which is acc_name of its app messages.
func (s *Store) TenantName(ctx context.Context, tenantID string) (string, error) {
	var t models.Tenant
	if err := s.DB.WithContext(ctx).Where("id = ?", tenantID).Take(&t).Error; err != nil {
		return "", fmt.Errorf("look up tenant: %w", err)
	}
	return t.Name, nil
}

// Save stores msg as a message to tenantID. With a nonce, the nonce is recorded in the same
// transaction, so that either both are written or neither: a failed write does
// not burn the signature, and a replay (ErrReplay) writes no message. The
// insert is the check: the (scope, nonce) primary key makes it fail on every
// replica once one has committed it.
func (s *Store) Save(ctx context.Context, tenantID string, msg models.LeaveMessage, nonce *Nonce) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if nonce != nil {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.RequestNonce{
				Scope: nonce.Scope, Nonce: nonce.Value, ExpiresAt: nonce.ExpiresAt.UTC().Truncate(time.Millisecond),
			})
			if res.Error != nil {
				return fmt.Errorf("record signature: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return ErrReplay
			}
		}
		if err := tx.Create(&msg).Error; err != nil {
			return fmt.Errorf("save leave message: %w", err)
		}
		owner := models.LeaveMessageTenant{MessageID: msg.ID, TenantID: tenantID, CreatedAt: msg.CreateTime.UTC()}
		if err := tx.Create(&owner).Error; err != nil {
			return fmt.Errorf("save leave message tenant: %w", err)
		}
		return nil
	})
}

// PruneNonces deletes expired nonces, at most once per pruneEvery per Store.
// Expired rows are harmless (their requests fail the freshness check anyway),
// so the sweep is opportunistic and needs no scheduler.
func (s *Store) PruneNonces(ctx context.Context, now time.Time) error {
	last := s.lastPrune.Load()
	if now.UnixNano()-last < int64(pruneEvery) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	err := s.DB.WithContext(ctx).Where("expires_at < ?", now.UTC().Truncate(time.Millisecond)).
		Delete(&models.RequestNonce{}).Error
	if err != nil {
		return fmt.Errorf("delete expired request nonces: %w", err)
	}
	return nil
}
