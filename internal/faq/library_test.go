package faq

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func demoLibrary(t *testing.T, ttl time.Duration) (*Library, *gorm.DB, *fakeClock) {
	t.Helper()
	db := modelstest.SQLiteDB(t)
	require.NoError(t, db.Create(demoRows(t)).Error)
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	lib := NewLibrary(db, ttl)
	lib.now = clock.Now
	return lib, db, clock
}

func TestLibraryAnswersAndSuggestsPerTenant(t *testing.T) {
	lib, db, _ := demoLibrary(t, time.Minute)
	ctx := context.Background()

	res, err := lib.Answer(ctx, models.DemoTenantID, "多久发货")
	require.NoError(t, err)
	require.True(t, res.Matched)
	require.EqualValues(t, 8, res.Entry.ID)
	require.Contains(t, res.Entry.Answer, "48 小时")
	require.Equal(t, []string{"发货", "快递", "物流"}, res.Entry.Keywords)

	got, err := lib.Suggest(ctx, models.DemoTenantID, "网格", 0)
	require.NoError(t, err)
	require.Len(t, got, DefaultSuggestLimit)
	require.Equal(t, "网格版APP在哪里下载", got[0])

	// Another tenant sees only its own entries, and a tenant without any
	// entries simply matches nothing.
	require.NoError(t, db.Create(&models.FAQEntry{
		TenantID: "other", Question: "多久发货？", Answer: "other tenant's answer", Keywords: "发货，物流、快递",
	}).Error)
	res, err = lib.Answer(ctx, "other", "多久发货")
	require.NoError(t, err)
	require.Equal(t, "other tenant's answer", res.Entry.Answer)
	require.Equal(t, []string{"发货", "物流", "快递"}, res.Entry.Keywords, "full-width and enumeration commas split keywords")
	got, err = lib.Suggest(ctx, "other", "网格", 0)
	require.NoError(t, err)
	require.Empty(t, got)

	res, err = lib.Answer(ctx, "nobody", "多久发货")
	require.NoError(t, err)
	require.Equal(t, Result{}, res)
}

func TestLibraryReloadsAfterTTL(t *testing.T) {
	const ttl = 30 * time.Second
	lib, db, clock := demoLibrary(t, ttl)
	ctx := context.Background()

	res, err := lib.Answer(ctx, models.DemoTenantID, "支持货到付款吗")
	require.NoError(t, err)
	require.False(t, res.Matched)

	// An operator adds an entry and rewords an answer.
	added := models.FAQEntry{TenantID: models.DemoTenantID, Question: "支持货到付款吗", Answer: "支持，限大陆地区。", Keywords: "货到付款"}
	require.NoError(t, db.Create(&added).Error)
	require.NoError(t, db.Model(&models.FAQEntry{}).Where("id = ?", 8).Update("answer", "24 小时内发货。").Error)

	clock.Advance(ttl - time.Nanosecond)
	res, err = lib.Answer(ctx, models.DemoTenantID, "支持货到付款吗")
	require.NoError(t, err)
	require.False(t, res.Matched, "still the cached index")
	res, err = lib.Answer(ctx, models.DemoTenantID, "多久发货")
	require.NoError(t, err)
	require.Contains(t, res.Entry.Answer, "48 小时")

	clock.Advance(time.Nanosecond)
	res, err = lib.Answer(ctx, models.DemoTenantID, "支持货到付款吗")
	require.NoError(t, err)
	require.True(t, res.Matched)
	require.Equal(t, added.ID, res.Entry.ID)
	res, err = lib.Answer(ctx, models.DemoTenantID, "多久发货")
	require.NoError(t, err)
	require.Equal(t, "24 小时内发货。", res.Entry.Answer)
	got, err := lib.Suggest(ctx, models.DemoTenantID, "支持货", 0)
	require.NoError(t, err)
	require.Equal(t, "支持货到付款吗", got[0])
}

func TestLibraryDefaultTTL(t *testing.T) {
	require.Equal(t, DefaultTTL, NewLibrary(nil, 0).ttl)
	require.Equal(t, DefaultTTL, NewLibrary(nil, -time.Second).ttl)
}

func TestLibraryDoesNotCacheFailures(t *testing.T) {
	lib, db, _ := demoLibrary(t, time.Hour)
	ctx := context.Background()

	require.NoError(t, db.Exec("ALTER TABLE faq_entries RENAME TO faq_entries_away").Error)
	_, err := lib.Answer(ctx, models.DemoTenantID, "版本")
	require.ErrorContains(t, err, `load FAQ of tenant "demo"`)
	_, err = lib.Suggest(ctx, models.DemoTenantID, "网格", 0)
	require.Error(t, err)

	// The table is back: the next call loads, without waiting for any ttl.
	require.NoError(t, db.Exec("ALTER TABLE faq_entries_away RENAME TO faq_entries").Error)
	res, err := lib.Answer(ctx, models.DemoTenantID, "版本")
	require.NoError(t, err)
	require.True(t, res.Matched)
}

func TestLibraryHonoursContext(t *testing.T) {
	lib, _, _ := demoLibrary(t, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := lib.Answer(ctx, models.DemoTenantID, "版本")
	require.ErrorIs(t, err, context.Canceled)

	// A caller waiting behind a slow load gives up when its context ends.
	tenant := lib.tenant(models.DemoTenantID)
	tenant.loading <- struct{}{}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = lib.Answer(ctx, models.DemoTenantID, "版本")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	<-tenant.loading

	res, err := lib.Answer(context.Background(), models.DemoTenantID, "版本")
	require.NoError(t, err)
	require.True(t, res.Matched)
}

func TestLibraryConcurrentUse(t *testing.T) {
	const ttl = time.Second
	lib, db, clock := demoLibrary(t, ttl)
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Go(func() {
			for i := range 25 {
				tenant := models.DemoTenantID
				if g%4 == 0 {
					tenant = "other"
				}
				switch i % 3 {
				case 0:
					res, err := lib.Answer(ctx, tenant, "多久发货")
					if err == nil && tenant == models.DemoTenantID && !res.Matched {
						err = fmt.Errorf("多久发货 did not match")
					}
					if err != nil {
						errs <- err
						return
					}
				case 1:
					if _, err := lib.Suggest(ctx, tenant, "网格", 3); err != nil {
						errs <- err
						return
					}
				default:
					clock.Advance(ttl / 10)
				}
			}
		})
	}
	// Edits land while the readers run.
	for i := range 5 {
		require.NoError(t, db.Create(&models.FAQEntry{
			TenantID: models.DemoTenantID, Question: fmt.Sprintf("问题%d", i), Answer: "a", Keywords: "",
		}).Error)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	clock.Advance(ttl)
	got, err := lib.Suggest(ctx, models.DemoTenantID, "问题", 10)
	require.NoError(t, err)
	require.Len(t, got, 5)
}

func TestLibraryInvalidateShowsEditsAtOnce(t *testing.T) {
	lib, db, _ := demoLibrary(t, time.Hour)
	ctx := context.Background()

	res, err := lib.Answer(ctx, models.DemoTenantID, "支持货到付款吗")
	require.NoError(t, err)
	require.False(t, res.Matched)
	require.NoError(t, db.Create(&models.FAQEntry{TenantID: models.DemoTenantID, Question: "支持货到付款吗", Answer: "支持。", Keywords: "货到付款"}).Error)
	res, err = lib.Answer(ctx, models.DemoTenantID, "支持货到付款吗")
	require.NoError(t, err)
	require.False(t, res.Matched, "cached for an hour")

	lib.Invalidate(models.DemoTenantID)
	res, err = lib.Answer(ctx, models.DemoTenantID, "支持货到付款吗")
	require.NoError(t, err)
	require.True(t, res.Matched)
	lib.Invalidate("never-loaded") // harmless
}

func TestLibraryDoesNotCacheALoadOverlappingAnInvalidation(t *testing.T) {
	lib, db, _ := demoLibrary(t, time.Hour)
	ctx := context.Background()
	loads := 0
	// An edit lands while the read is in flight: that read may miss it, so
	// its result must not be kept.
	require.NoError(t, db.Callback().Query().Before("gorm:query").Register("test:edit-during-load", func(tx *gorm.DB) {
		if tx.Statement.Table == "faq_entries" {
			loads++
			if loads == 1 {
				lib.Invalidate(models.DemoTenantID)
			}
		}
	}))
	_, err := lib.Answer(ctx, models.DemoTenantID, "版本")
	require.NoError(t, err)
	_, err = lib.Answer(ctx, models.DemoTenantID, "版本")
	require.NoError(t, err)
	_, err = lib.Answer(ctx, models.DemoTenantID, "版本")
	require.NoError(t, err)
	require.Equal(t, 2, loads, "the overlapping load is not cached; the next one is")
}
