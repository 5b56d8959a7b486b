package faq

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// DefaultTTL is how long a tenant's index is kept when NewLibrary is given no
// ttl: short enough that an operator's edit shows within a minute, long
// enough that a busy robot does not read the FAQ table for every message.
const DefaultTTL = time.Minute

// Library serves every tenant's FAQ from the database, keeping each tenant's
// Index for a ttl so that edits take effect without a restart. It is safe for
// concurrent use.
type Library struct {
	db  *gorm.DB
	ttl time.Duration
	// now is the clock; tests replace it to move time without sleeping.
	now func() time.Time

	mu      sync.Mutex
	tenants map[string]*tenantIndex
}

// tenantIndex is one tenant's cached index.
type tenantIndex struct {
	// loading admits one load at a time, so that a burst of questions after
	// expiry reads the table once; a channel rather than a mutex so a waiter
	// gives up when its context ends.
	loading chan struct{}

	mu      sync.Mutex
	index   *Index
	expires time.Time
	// gen counts invalidations, so that a load which began before one is
	// not cached as if it were fresh.
	gen uint64
}

// NewLibrary returns a Library reading db, caching each tenant's index for ttl
// (DefaultTTL when ttl <= 0).
func NewLibrary(db *gorm.DB, ttl time.Duration) *Library {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Library{db: db, ttl: ttl, now: time.Now, tenants: map[string]*tenantIndex{}}
}

// Answer matches text against the tenant's FAQ (see Index.Answer).
func (l *Library) Answer(ctx context.Context, tenantID, text string) (Result, error) {
	ix, err := l.index(ctx, tenantID)
	if err != nil {
		return Result{}, err
	}
	return ix.Answer(text), nil
}

// AnswerIn matches text against the tenant's FAQ for a conversation in
// locale (see Index.AnswerIn).
func (l *Library) AnswerIn(ctx context.Context, tenantID, text, locale string) (Result, error) {
	ix, err := l.index(ctx, tenantID)
	if err != nil {
		return Result{}, err
	}
	return ix.AnswerIn(text, locale), nil
}

// Suggest lists the tenant's questions for what a visitor has typed (see Index.Suggest).
func (l *Library) Suggest(ctx context.Context, tenantID, keyword string, limit int) ([]string, error) {
	ix, err := l.index(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return ix.Suggest(keyword, limit), nil
}

// tenant returns the tenant's cache slot, creating it on first use.
func (l *Library) tenant(tenantID string) *tenantIndex {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.tenants[tenantID]
	if t == nil {
		t = &tenantIndex{loading: make(chan struct{}, 1)}
		l.tenants[tenantID] = t
	}
	return t
}

func (l *Library) index(ctx context.Context, tenantID string) (*Index, error) {
	t := l.tenant(tenantID)
	if ix := t.fresh(l.now()); ix != nil {
		return ix, nil
	}
	select {
	case t.loading <- struct{}{}:
		defer func() { <-t.loading }()
	case <-ctx.Done():
		return nil, fmt.Errorf("load FAQ of tenant %q: %w", tenantID, ctx.Err())
	}
	// Whoever held the slot before us may have just loaded it.
	if ix := t.fresh(l.now()); ix != nil {
		return ix, nil
	}
	// The index lives ttl from when the read started, so an edit committed
	// during a slow read still shows within ttl.
	started := l.now()
	t.mu.Lock()
	gen := t.gen
	t.mu.Unlock()
	ix, err := l.load(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.gen == gen {
		t.index, t.expires = ix, started.Add(l.ttl)
	}
	t.mu.Unlock()
	return ix, nil
}

// Invalidate drops the tenant's cached index, so that an edit made through
// this process shows at the next question rather than after the ttl.
func (l *Library) Invalidate(tenantID string) {
	t := l.tenant(tenantID)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.index = nil
	t.gen++
}

func (t *tenantIndex) fresh(now time.Time) *Index {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.index != nil && now.Before(t.expires) {
		return t.index
	}
	return nil
}

func (l *Library) load(ctx context.Context, tenantID string) (*Index, error) {
	var rows []models.FAQEntry
	err := l.db.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load FAQ of tenant %q: %w", tenantID, err)
	}
	entries := make([]Entry, len(rows))
	for i, r := range rows {
		entries[i] = entryFromRow(r)
	}
	return NewIndex(entries), nil
}

// entryFromRow splits the row's comma-separated keywords, accepting the
// full-width comma and the enumeration comma that Chinese operators type.
func entryFromRow(r models.FAQEntry) Entry {
	parts := strings.FieldsFunc(r.Keywords, func(c rune) bool {
		return c == ',' || c == '，' || c == '、' || c == ';' || c == '；'
	})
	var keywords []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keywords = append(keywords, p)
		}
	}
	return Entry{ID: r.ID, Question: r.Question, Answer: r.Answer, Keywords: keywords}
}
