package webentry_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/webentry"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// clock is a settable time source for a Store.
type clock struct{ at time.Time }

func (c *clock) now() time.Time { return c.at }

func newStore(t *testing.T, db *gorm.DB) (*webentry.Store, *clock) {
	t.Helper()
	_, err := models.SeedDemo(context.Background(), db)
	require.NoError(t, err)
	c := &clock{at: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	return &webentry.Store{DB: db, Now: c.now}, c
}

func demoGrant() webentry.Grant {
	return webentry.Grant{
		Source: webentry.SourceVisitor, TenantID: models.DemoTenantID, AppKey: models.DemoAppKey,
		ChannelConfigID: models.DemoChannelConfigID, UserID: "v-1", UserName: "Ann", SkillGroupID: 12,
		Locale: "zh", ProductCard: `{"pid":1}`,
	}
}

func TestExchangeOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t, modelstest.SQLiteDB(t))
	key, _, err := s.Create(ctx, demoGrant())
	require.NoError(t, err)
	require.Len(t, key, 64)

	var stored models.WebKey
	require.NoError(t, s.DB.Take(&stored).Error)
	require.NotContains(t, stored.KeyHash, key, "only the hash is stored")
	require.Nil(t, stored.UsedAt)

	sess, err := s.Exchange(ctx, key)
	require.NoError(t, err)
	require.Equal(t, demoGrant(), sess.Grant)
	require.Equal(t, stored.ID, sess.WebKeyID)
	require.Equal(t, "Demo Shop", sess.TenantName)

	_, err = s.Exchange(ctx, key)
	require.ErrorIs(t, err, webentry.ErrUsedKey)

	card, err := s.ProductCard(ctx, models.DemoTenantID, sess.WebKeyID)
	require.NoError(t, err)
	require.Equal(t, `{"pid":1}`, card)
	card, err = s.ProductCard(ctx, "other", sess.WebKeyID)
	require.NoError(t, err)
	require.Empty(t, card, "another tenant reads no card")
}

func TestExchangeUnknownAndMalformed(t *testing.T) {
	s, _ := newStore(t, modelstest.SQLiteDB(t))
	for _, key := range []string{"", "abc", strings.Repeat("0", 64), strings.Repeat("A", 64), strings.Repeat("0", 65)} {
		_, err := s.Exchange(context.Background(), key)
		require.ErrorIs(t, err, webentry.ErrUnknownKey, key)
	}
}

func TestExchangeExpirySQLite(t *testing.T) { exchangeExpiry(t, modelstest.SQLiteDB(t)) }
func TestExchangeExpiryMySQL(t *testing.T)  { exchangeExpiry(t, modelstest.MySQLDB(t)) }

// exchangeExpiry checks the expiry at the precision the database keeps.
func exchangeExpiry(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	s, clk := newStore(t, db)
	key, exp, err := s.Create(ctx, demoGrant())
	require.NoError(t, err)
	require.Equal(t, clk.at.Add(webentry.KeyTTL), exp)

	clk.at = exp
	_, err = s.Exchange(ctx, key)
	require.ErrorIs(t, err, webentry.ErrExpiredKey)

	key, _, err = s.Create(ctx, demoGrant())
	require.NoError(t, err)
	clk.at = clk.at.Add(webentry.KeyTTL - time.Millisecond)
	_, err = s.Exchange(ctx, key)
	require.NoError(t, err, "valid until the last millisecond")
}

func TestExchangeChecksTenant(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	s, _ := newStore(t, db)
	require.NoError(t, db.Create(&models.Tenant{ID: "b", Name: "B", BusinessID: 2, AppID: "2", VendorID: "b", SiteID: "web"}).Error)
	require.NoError(t, db.Create(&models.AppKey{Key: "b-key", TenantID: "b", Secret: "s", Name: "b"}).Error)
	require.NoError(t, db.Create(&models.ChannelConfig{ID: "2000", TenantID: "b", Name: "B web"}).Error)
	require.NoError(t, db.Create(&models.SkillGroup{ID: 21, TenantID: "b", Name: "b1"}).Error)

	for name, edit := range map[string]func(*webentry.Grant){
		"other tenant's channel":     func(g *webentry.Grant) { g.ChannelConfigID = "2000" },
		"other tenant's app key":     func(g *webentry.Grant) { g.AppKey = "b-key" },
		"other tenant's skill group": func(g *webentry.Grant) { g.SkillGroupID = 21 },
		"unknown tenant":             func(g *webentry.Grant) { g.TenantID = "nobody" },
	} {
		t.Run(name, func(t *testing.T) {
			g := demoGrant()
			edit(&g)
			key, _, err := s.Create(ctx, g)
			require.NoError(t, err)
			_, err = s.Exchange(ctx, key)
			require.ErrorIs(t, err, webentry.ErrTenantMismatch)
		})
	}

	key, _, err := s.Create(ctx, demoGrant())
	require.NoError(t, err)
	require.NoError(t, db.Model(&models.AppKey{}).Where("`key` = ?", models.DemoAppKey).Update("disabled", true).Error)
	_, err = s.Exchange(ctx, key)
	require.ErrorIs(t, err, webentry.ErrTenantMismatch, "a disabled app key opens no session")
}

func TestConcurrentExchangeSQLite(t *testing.T) { concurrentExchange(t, modelstest.SQLiteDB(t)) }
func TestConcurrentExchangeMySQL(t *testing.T)  { concurrentExchange(t, modelstest.MySQLDB(t)) }

// concurrentExchange races exchanges of one key: exactly one wins.
func concurrentExchange(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	s, _ := newStore(t, db)
	key, _, err := s.Create(ctx, demoGrant())
	require.NoError(t, err)
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = s.Exchange(ctx, key)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		require.ErrorIs(t, err, webentry.ErrUsedKey)
	}
	require.Equal(t, 1, won)
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s, clk := newStore(t, modelstest.SQLiteDB(t))
	unused, _, err := s.Create(ctx, demoGrant())
	require.NoError(t, err)
	used, _, err := s.Create(ctx, demoGrant())
	require.NoError(t, err)
	sess, err := s.Exchange(ctx, used)
	require.NoError(t, err)

	clk.at = clk.at.Add(webentry.KeyTTL + time.Minute)
	require.NoError(t, s.Prune(ctx))
	_, err = s.Exchange(ctx, unused)
	require.ErrorIs(t, err, webentry.ErrUnknownKey, "an expired unused key is swept")
	card, err := s.ProductCard(ctx, models.DemoTenantID, sess.WebKeyID)
	require.NoError(t, err)
	require.NotEmpty(t, card, "an exchanged key is kept for its session")

	clk.at = clk.at.Add(8 * 24 * time.Hour)
	require.NoError(t, s.Prune(ctx))
	card, err = s.ProductCard(ctx, models.DemoTenantID, sess.WebKeyID)
	require.NoError(t, err)
	require.Empty(t, card, "swept after its retention")
}

func TestTargets(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	s, _ := newStore(t, db)

	tg, err := s.GuestTarget(ctx, "demo", "web")
	require.NoError(t, err)
	require.Equal(t, webentry.Target{
		TenantID: models.DemoTenantID, TenantName: "Demo Shop", AppKey: models.DemoAppKey,
		ChannelConfigID: models.DemoChannelConfigID, SkillGroupID: 11, Locale: "zh", Secret: models.DemoAppSecret,
	}, tg)
	_, err = s.GuestTarget(ctx, "demo", "app")
	require.ErrorIs(t, err, webentry.ErrUnknownSite)

	tg, err = s.VisitorTarget(ctx, 1, 0)
	require.NoError(t, err)
	require.EqualValues(t, 11, tg.SkillGroupID, "the channel's default group")
	tg, err = s.VisitorTarget(ctx, 1, 12)
	require.NoError(t, err)
	require.EqualValues(t, 12, tg.SkillGroupID)
	_, err = s.VisitorTarget(ctx, 1, 99)
	require.ErrorIs(t, err, webentry.ErrUnknownGroup)
	_, err = s.VisitorTarget(ctx, 7, 0)
	require.ErrorIs(t, err, webentry.ErrUnknownBusiness)

	require.NoError(t, db.Create(&models.Tenant{ID: "empty", Name: "E", BusinessID: 3, AppID: "3", VendorID: "e", SiteID: "web"}).Error)
	_, err = s.VisitorTarget(ctx, 3, 0)
	require.ErrorIs(t, err, webentry.ErrNoWebChat, "no channel config")
	require.NoError(t, db.Create(&models.ChannelConfig{ID: "3000", TenantID: "empty", Name: "E web"}).Error)
	_, err = s.VisitorTarget(ctx, 3, 0)
	require.ErrorIs(t, err, webentry.ErrNoWebChat, "no enabled app key")
}

func TestProductCard(t *testing.T) {
	card, err := webentry.ProductCard(` {"pid": 1, "title": " Apple MacBook Air ", "price": "¥7588.00"} `)
	require.NoError(t, err)
	require.Equal(t, `{"pid":1,"title":" Apple MacBook Air ","price":"¥7588.00"}`, card)

	for name, raw := range map[string]string{
		"array":    `[1,2]`,
		"string":   `"x"`,
		"null":     `null`,
		"broken":   `{"pid":`,
		"two":      `{} {}`,
		"not json": `pid=1`,
		"bad utf8": "{\"t\":\"\xff\"}",
	} {
		_, err := webentry.ProductCard(raw)
		require.ErrorIs(t, err, webentry.ErrProductNotObject, name)
	}
	_, err = webentry.ProductCard(`{"t":"` + strings.Repeat("x", webentry.MaxProductCardBytes) + `"}`)
	require.ErrorIs(t, err, webentry.ErrProductTooLarge)
}

func TestIDs(t *testing.T) {
	g, err := webentry.NewGuestID()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(g, webentry.GuestIDPrefix))
	v, err := webentry.NewVisitorID()
	require.NoError(t, err)
	require.True(t, webentry.IsGeneratedVisitorID(v))
	require.False(t, webentry.IsGeneratedVisitorID("visitor-1"))
	require.False(t, webentry.IsGeneratedVisitorID(strings.Repeat("z", 32)))
}
