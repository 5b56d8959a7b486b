package admin

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

func TestWebhookLifecycleAndValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		w, err := s.CreateWebhook(ctx, NewWebhook{TenantID: models.DemoTenantID, WebhookFields: WebhookFields{URL: ptr("https://hooks.example.com/ccflow")}})
		require.NoError(t, err)
		require.True(t, w.Enabled, "enabled unless told otherwise")
		require.Regexp(t, hex64, w.Secret)

		updated, err := s.UpdateWebhook(ctx, w.ID, WebhookFields{Enabled: ptr(false)})
		require.NoError(t, err)
		require.False(t, updated.Enabled)
		require.Equal(t, w.Secret, updated.Secret)
		rotated, err := s.RotateWebhook(ctx, w.ID)
		require.NoError(t, err)
		require.NotEqual(t, w.Secret, rotated.Secret)
		require.Equal(t, "https://hooks.example.com/ccflow", rotated.URL)

		all, err := s.Webhooks(ctx, models.DemoTenantID, Page{})
		require.NoError(t, err)
		require.EqualValues(t, 1, all.Total)

		create := func(url string) func() error {
			return func() error {
				_, err := s.CreateWebhook(ctx, NewWebhook{TenantID: models.DemoTenantID, WebhookFields: WebhookFields{URL: &url}})
				return err
			}
		}
		unchanged(t, s, KindInvalid, "url is required", create(""))
		unchanged(t, s, KindInvalid, "url must be an absolute http:// or https:// URL", create("ftp://example.com/x"))
		unchanged(t, s, KindInvalid, "url must be an absolute http:// or https:// URL", create("/relative/path"))
		unchanged(t, s, KindInvalid, "url must be an absolute http:// or https:// URL", create("https://"))
		unchanged(t, s, KindInvalid, "url must not contain a user name or password", create("https://user:pw@example.com/"))
		unchanged(t, s, KindInvalid, "url must be at most 1024 characters", create("https://example.com/"+string(make([]byte, 1020))))
		unchanged(t, s, KindInvalid, "url must be an absolute", func() error {
			_, err := s.UpdateWebhook(ctx, w.ID, WebhookFields{URL: ptr("mailto:x@example.com")})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no webhook 777", func() error {
			_, err := s.RotateWebhook(ctx, 777)
			return err
		})

		_, err = s.DeleteWebhook(ctx, w.ID)
		require.NoError(t, err)
		_, err = s.Webhook(ctx, w.ID)
		requireRefused(t, err, KindNotFound, "there is no webhook")
	})
}
