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

func TestWebhookTargetsMustBePublicUnlessAllowed(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		create := func(url string) func() error {
			return func() error {
				_, err := s.CreateWebhook(ctx, NewWebhook{TenantID: models.DemoTenantID, WebhookFields: WebhookFields{URL: &url}})
				return err
			}
		}
		for _, url := range []string{
			"http://127.0.0.1:9000/hook", "http://169.254.169.254/latest/meta-data/iam/", "https://10.0.0.8/x",
			"http://[::1]:8080/", "http://localhost:8080/", "http://metadata.google.internal/computeMetadata/v1/",
		} {
			unchanged(t, s, KindInvalid, "url must reach a public address", create(url))
		}
		w, err := s.CreateWebhook(ctx, NewWebhook{TenantID: models.DemoTenantID, WebhookFields: WebhookFields{URL: ptr("https://hooks.example.com/ccflow")}})
		require.NoError(t, err)
		unchanged(t, s, KindInvalid, "CCFLOW_WEBHOOK_ALLOW_PRIVATE=true", func() error {
			_, err := s.UpdateWebhook(ctx, w.ID, WebhookFields{URL: ptr("http://192.168.1.20/hook")})
			return err
		})

		s.AllowPrivateWebhooks = true
		local, err := s.CreateWebhook(ctx, NewWebhook{TenantID: models.DemoTenantID, WebhookFields: WebhookFields{URL: ptr("http://127.0.0.1:9000/hook")}})
		require.NoError(t, err, "the operator allows receivers on the same host")
		s.AllowPrivateWebhooks = false
		_, err = s.UpdateWebhook(ctx, local.ID, WebhookFields{Enabled: ptr(false)})
		require.NoError(t, err, "an endpoint no longer allowed can still be disabled")
		_, err = s.UpdateWebhook(ctx, local.ID, WebhookFields{Enabled: ptr(true)})
		requireRefused(t, err, KindInvalid, "url must reach a public address")
	})
}
