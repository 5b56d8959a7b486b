package transfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// Words is each tenant's Set, read from the tenants table and kept for a
// ttl: a send to the robot must not read the tenant row every time, and an
// edit shows within the ttl on every replica (at once on the one that made
// it, which calls Invalidate).
type Words struct {
	db  *gorm.DB
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	tenants map[string]cached
}

type cached struct {
	set Set
	at  time.Time
}

// NewWords returns a cache of the tenants' lists on db.
func NewWords(db *gorm.DB, ttl time.Duration) *Words {
	return &Words{db: db, ttl: ttl, now: time.Now, tenants: map[string]cached{}}
}

// Matches tells whether content is one of the tenant's transfer lines. A
// tenant that does not exist (any more) has the Defaults.
func (w *Words) Matches(ctx context.Context, tenantID, content string) (bool, error) {
	set, err := w.set(ctx, tenantID)
	if err != nil {
		return false, err
	}
	return set.Matches(content), nil
}

// Invalidate drops a tenant's cached list after an edit.
func (w *Words) Invalidate(tenantID string) {
	w.mu.Lock()
	delete(w.tenants, tenantID)
	w.mu.Unlock()
}

func (w *Words) set(ctx context.Context, tenantID string) (Set, error) {
	now := w.now()
	w.mu.Lock()
	c, ok := w.tenants[tenantID]
	w.mu.Unlock()
	if ok && now.Sub(c.at) < w.ttl {
		return c.set, nil
	}
	var t models.Tenant
	err := w.db.WithContext(ctx).Select("transfer_words").Where("id = ?", tenantID).Take(&t).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("read transfer words of tenant %s: %w", tenantID, err)
	}
	words, err := Of(t.TransferWords)
	if err != nil {
		return nil, err
	}
	set := NewSet(words)
	w.mu.Lock()
	w.tenants[tenantID] = cached{set: set, at: now}
	w.mu.Unlock()
	return set, nil
}
