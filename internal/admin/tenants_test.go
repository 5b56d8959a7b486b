package admin

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

func newShop(id string, business int64, appID string) NewTenant {
	return NewTenant{ID: id, TenantFields: TenantFields{
		Name: ptr(" Shop " + id + " "), BusinessID: ptr(business), AppID: ptr(appID), VendorID: ptr(id), SiteID: ptr("web"),
	}}
}

func TestTenantLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		created, err := s.CreateTenant(ctx, newShop("shop2", 2, "2002"))
		require.NoError(t, err)
		require.Equal(t, "Shop shop2", created.Name, "names are trimmed")
		require.False(t, created.CreatedAt.IsZero())

		got, err := s.Tenant(ctx, "shop2")
		require.NoError(t, err)
		require.Equal(t, created.AppID, got.AppID)

		updated, err := s.UpdateTenant(ctx, "shop2", TenantFields{Name: ptr("Second"), Logo: ptr("https://cdn.example.com/l.png")})
		require.NoError(t, err)
		require.Equal(t, "Second", updated.Name)
		require.Equal(t, "2002", updated.AppID, "fields not given keep their value")
		require.Equal(t, "https://cdn.example.com/l.png", updated.Logo)
		got, err = s.Tenant(ctx, "shop2")
		require.NoError(t, err)
		require.Equal(t, "Second", got.Name)
		require.Equal(t, created.CreatedAt, got.CreatedAt)

		all, err := s.Tenants(ctx, Page{})
		require.NoError(t, err)
		require.EqualValues(t, 2, all.Total)
		require.Equal(t, []string{"demo", "shop2"}, []string{all.Items[0].ID, all.Items[1].ID})

		// Its own SIP trunk goes first: a later shop2 must not inherit it.
		require.NoError(t, s.DB.Create(&models.SIPTrunk{TenantID: "shop2", Address: "192.0.2.10:5060", UpdatedAt: time.Now().UTC()}).Error)
		_, err = s.DeleteTenant(ctx, "shop2")
		requireRefused(t, err, KindConflict, `tenant "shop2" still has SIP trunk (1); delete them first`)
		require.NoError(t, s.DB.Where("tenant_id = ?", "shop2").Delete(&models.SIPTrunk{}).Error)

		deleted, err := s.DeleteTenant(ctx, "shop2")
		require.NoError(t, err)
		require.Equal(t, "shop2", deleted.ID)
		_, err = s.Tenant(ctx, "shop2")
		requireRefused(t, err, KindNotFound, `there is no tenant shop2`)
	})
}

func TestTenantValidationAndConflicts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		bad := func(f func(*NewTenant)) func() error {
			return func() error {
				in := newShop("shop2", 2, "2002")
				f(&in)
				_, err := s.CreateTenant(ctx, in)
				return err
			}
		}
		unchanged(t, s, KindInvalid, "id is required", bad(func(in *NewTenant) { in.ID = "" }))
		unchanged(t, s, KindInvalid, "id may contain only", bad(func(in *NewTenant) { in.ID = "a b" }))
		unchanged(t, s, KindInvalid, "id may contain only", bad(func(in *NewTenant) { in.ID = "conv:1" }))
		unchanged(t, s, KindInvalid, "id must be at most 64 characters", bad(func(in *NewTenant) { in.ID = string(make([]byte, 65)) }))
		unchanged(t, s, KindInvalid, "name is required", bad(func(in *NewTenant) { in.Name = ptr("  ") }))
		unchanged(t, s, KindInvalid, "name must be one line", bad(func(in *NewTenant) { in.Name = ptr("a\nb") }))
		unchanged(t, s, KindInvalid, "businessId must be from 1", bad(func(in *NewTenant) { in.BusinessID = nil }))
		unchanged(t, s, KindInvalid, "appId is required", bad(func(in *NewTenant) { in.AppID = nil }))
		unchanged(t, s, KindInvalid, "logo must be an absolute http:// or https:// URL", bad(func(in *NewTenant) { in.Logo = ptr("javascript:alert(1)") }))
		unchanged(t, s, KindInvalid, "name is required; businessId must be from 1", bad(func(in *NewTenant) {
			in.Name, in.BusinessID = nil, nil
		}))

		unchanged(t, s, KindConflict, `tenant "demo" already exists`, bad(func(in *NewTenant) { in.ID = "demo" }))
		unchanged(t, s, KindConflict, `businessId 1 is already used by tenant "demo"`, bad(func(in *NewTenant) { in.BusinessID = ptr(int64(1)) }))
		unchanged(t, s, KindConflict, `appId "1001" is already used by tenant "demo"`, bad(func(in *NewTenant) { in.AppID = ptr("1001") }))
		unchanged(t, s, KindConflict, `vendorId "demo" with siteId "web"`, bad(func(in *NewTenant) { in.VendorID = ptr("demo") }))

		_, err := s.CreateTenant(ctx, newShop("shop2", 2, "2002"))
		require.NoError(t, err)
		unchanged(t, s, KindConflict, `appId "1001" is already used`, func() error {
			_, err := s.UpdateTenant(ctx, "shop2", TenantFields{AppID: ptr("1001")})
			return err
		})
		unchanged(t, s, KindInvalid, "name is required", func() error {
			_, err := s.UpdateTenant(ctx, "shop2", TenantFields{Name: ptr("")})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no tenant nobody", func() error {
			_, err := s.UpdateTenant(ctx, "nobody", TenantFields{Name: ptr("x")})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no tenant nobody", func() error {
			_, err := s.DeleteTenant(ctx, "nobody")
			return err
		})
	})
}

func TestDeletingATenantInUseIsRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		unchanged(t, s, KindConflict, `tenant "demo" still has app keys (1), channel configs (1), skill groups (2), agents (2), FAQ entries (19); delete them first`, func() error {
			_, err := s.DeleteTenant(context.Background(), models.DemoTenantID)
			return err
		})
	})
}

// A tenant's transfer words (issue 11) are stored as a tidied JSON list;
// a bad list is refused and changes nothing.
func TestTenantTransferWords(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		got, err := s.Tenant(ctx, "demo")
		require.NoError(t, err)
		require.Nil(t, got.TransferWords, "the built-in list until one is set")

		words := []string{" 找真人 ", "找真人!", "operator"}
		updated, err := s.UpdateTenant(ctx, "demo", TenantFields{TransferWords: &words})
		require.NoError(t, err)
		require.NotNil(t, updated.TransferWords)
		require.JSONEq(t, `["找真人","operator"]`, *updated.TransferWords)

		bad := []string{"..."}
		_, err = s.UpdateTenant(ctx, "demo", TenantFields{TransferWords: &bad})
		requireRefused(t, err, KindInvalid, `transferWords: "..." has no letters`)
		got, err = s.Tenant(ctx, "demo")
		require.NoError(t, err)
		require.JSONEq(t, `["找真人","operator"]`, *got.TransferWords, "a refused edit changes nothing")

		off := []string{}
		updated, err = s.UpdateTenant(ctx, "demo", TenantFields{TransferWords: &off})
		require.NoError(t, err)
		require.JSONEq(t, `[]`, *updated.TransferWords)
	})
}

func TestTenantFileRetention(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, err := s.CreateTenant(ctx, newShop("shop3", 3, "3003"))
		require.NoError(t, err)
		updated, err := s.UpdateTenant(ctx, "shop3", TenantFields{FileRetentionDays: ptr(int64(30))})
		require.NoError(t, err)
		require.EqualValues(t, 30, updated.FileRetentionDays)
		unchanged(t, s, KindInvalid, "fileRetentionDays must be from 0 to 36500", func() error {
			_, err := s.UpdateTenant(ctx, "shop3", TenantFields{FileRetentionDays: ptr(int64(-1))})
			return err
		})
		got, err := s.Tenant(ctx, "shop3")
		require.NoError(t, err)
		require.EqualValues(t, 30, got.FileRetentionDays)
	})
}
