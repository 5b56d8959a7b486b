package admin

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestAppKeyLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		k, err := s.CreateAppKey(ctx, NewAppKey{TenantID: models.DemoTenantID, AppKeyFields: AppKeyFields{Name: ptr("mobile")}})
		require.NoError(t, err)
		require.Regexp(t, `^[0-9a-f]{32}$`, k.Key, "a generated key")
		require.Regexp(t, hex64, k.Secret, "a generated 32-byte secret")
		require.False(t, k.Disabled)

		named, err := s.CreateAppKey(ctx, NewAppKey{Key: "shop-app", TenantID: models.DemoTenantID})
		require.NoError(t, err)
		require.NotEqual(t, k.Secret, named.Secret)

		got, err := s.AppKey(ctx, k.Key)
		require.NoError(t, err)
		require.Equal(t, "mobile", got.Name)

		updated, err := s.UpdateAppKey(ctx, k.Key, AppKeyFields{Disabled: ptr(true)})
		require.NoError(t, err)
		require.True(t, updated.Disabled)
		require.Equal(t, "mobile", updated.Name)
		require.Equal(t, k.Secret, updated.Secret, "an update keeps the secret")

		rotated, err := s.RotateAppKey(ctx, k.Key)
		require.NoError(t, err)
		require.Regexp(t, hex64, rotated.Secret)
		require.NotEqual(t, k.Secret, rotated.Secret)
		got, err = s.AppKey(ctx, k.Key)
		require.NoError(t, err)
		require.Equal(t, rotated.Secret, got.Secret)
		require.True(t, got.Disabled)

		all, err := s.AppKeys(ctx, models.DemoTenantID, Page{})
		require.NoError(t, err)
		require.EqualValues(t, 3, all.Total)
		require.Equal(t, models.DemoAppKey, all.Items[0].Key, "oldest first")

		_, err = s.DeleteAppKey(ctx, k.Key)
		require.NoError(t, err)
		_, err = s.AppKey(ctx, k.Key)
		requireRefused(t, err, KindNotFound, "there is no app key")
	})
}

func TestAppKeyValidationAndConflicts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		create := func(in NewAppKey) func() error {
			return func() error { _, err := s.CreateAppKey(ctx, in); return err }
		}
		unchanged(t, s, KindInvalid, "tenantId is required", create(NewAppKey{}))
		unchanged(t, s, KindInvalid, `there is no tenant "nobody"`, create(NewAppKey{TenantID: "nobody"}))
		unchanged(t, s, KindInvalid, "key may contain only", create(NewAppKey{Key: "a/b", TenantID: models.DemoTenantID}))
		unchanged(t, s, KindInvalid, "name must be at most 64 characters", create(NewAppKey{
			TenantID: models.DemoTenantID, AppKeyFields: AppKeyFields{Name: ptr(string(make([]rune, 65)))},
		}))
		unchanged(t, s, KindConflict, `app key "demo-app-key" already exists`, create(NewAppKey{Key: models.DemoAppKey, TenantID: models.DemoTenantID}))
		unchanged(t, s, KindNotFound, "there is no app key nope", func() error {
			_, err := s.UpdateAppKey(ctx, "nope", AppKeyFields{Disabled: ptr(true)})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no app key nope", func() error {
			_, err := s.RotateAppKey(ctx, "nope")
			return err
		})
		unchanged(t, s, KindInvalid, "name must be one line", func() error {
			_, err := s.UpdateAppKey(ctx, models.DemoAppKey, AppKeyFields{Name: ptr("a\nb"), Disabled: ptr(true)})
			return err
		})
	})
}
