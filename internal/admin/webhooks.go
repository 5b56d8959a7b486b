package admin

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/netguard"
	"github.com/ccflow/ccflow/models"
)

// webhookSecretBytes is the size of a generated signing secret, in random bytes.
const webhookSecretBytes = 32

// WebhookFields are a webhook endpoint's settings; on update a nil field keeps its value.
type WebhookFields struct {
	// URL receives the tenant's pushes; absolute http or https.
	URL     *string `json:"url"`
	Enabled *bool   `json:"enabled"`
}

// NewWebhook is a webhook endpoint to create; it is enabled unless Enabled
// says otherwise, and its signing secret is generated.
type NewWebhook struct {
	TenantID string `json:"tenantId"`
	WebhookFields
}

func (f WebhookFields) apply(w *models.WebhookEndpoint) {
	set(&w.URL, trimmed(f.URL))
	set(&w.Enabled, f.Enabled)
}

func checkWebhook(w models.WebhookEndpoint) error {
	return collect(
		identifier("tenantId", w.TenantID, 64),
		webURL("url", w.URL, 1024, true),
	)
}

// checkTarget refuses a webhook URL on a loopback, private, link-local or
// reserved address, or a local host name, unless the operator allows them
// (AllowPrivateWebhooks). Deliveries check the address again when they
// connect (netguard.Guard), which covers names that resolve there.
func (s *Store) checkTarget(w models.WebhookEndpoint) error {
	if err := netguard.CheckURL(w.URL, s.AllowPrivateWebhooks); err != nil {
		return invalidf("url must reach a public address: %s; an operator can allow private targets with CCFLOW_WEBHOOK_ALLOW_PRIVATE=true",
			strings.TrimPrefix(err.Error(), netguard.ErrForbiddenAddress.Error()+": "))
	}
	return nil
}

// CreateWebhook adds a webhook endpoint; the returned endpoint holds the
// signing secret, which the admin API shows this once.
func (s *Store) CreateWebhook(ctx context.Context, in NewWebhook) (models.WebhookEndpoint, error) {
	w := models.WebhookEndpoint{TenantID: strings.TrimSpace(in.TenantID), Enabled: true}
	in.apply(&w)
	if err := checkWebhook(w); err != nil {
		return models.WebhookEndpoint{}, err
	}
	if err := s.checkTarget(w); err != nil {
		return models.WebhookEndpoint{}, err
	}
	secret, err := newSecret(webhookSecretBytes)
	if err != nil {
		return models.WebhookEndpoint{}, err
	}
	w.Secret = secret
	err = s.inTenant(ctx, w.TenantID, func(tx *gorm.DB) error {
		return tx.Create(&w).Error
	})
	return result(w, writeErr(err, "create webhook", "webhook already exists"))
}

// Webhook reads a webhook endpoint.
func (s *Store) Webhook(ctx context.Context, id uint64) (models.WebhookEndpoint, error) {
	return find[models.WebhookEndpoint](ctx, s.DB, "webhook", "id", id)
}

// Webhooks lists webhook endpoints, of one tenant when tenantID is set.
func (s *Store) Webhooks(ctx context.Context, tenantID string, p Page) (List[models.WebhookEndpoint], error) {
	return list[models.WebhookEndpoint](ctx, s.DB, tenantID, p, "id")
}

// UpdateWebhook changes the given fields of a webhook endpoint.
func (s *Store) UpdateWebhook(ctx context.Context, id uint64, f WebhookFields) (models.WebhookEndpoint, error) {
	return s.changeWebhook(ctx, id, "update", func(w *models.WebhookEndpoint) error {
		f.apply(w)
		if err := checkWebhook(*w); err != nil {
			return err
		}
		if f.URL != nil || (f.Enabled != nil && *f.Enabled) {
			// Disabling an endpoint whose target is no longer allowed stays possible.
			return s.checkTarget(*w)
		}
		return nil
	})
}

// RotateWebhook gives a webhook endpoint a new signing secret, returned this once.
func (s *Store) RotateWebhook(ctx context.Context, id uint64) (models.WebhookEndpoint, error) {
	secret, err := newSecret(webhookSecretBytes)
	if err != nil {
		return models.WebhookEndpoint{}, err
	}
	return s.changeWebhook(ctx, id, "rotate", func(w *models.WebhookEndpoint) error {
		w.Secret = secret
		return nil
	})
}

func (s *Store) changeWebhook(ctx context.Context, id uint64, op string, change func(*models.WebhookEndpoint) error) (models.WebhookEndpoint, error) {
	w, err := withRow(ctx, s, "webhook", "id", id, webhookTenant, func(tx *gorm.DB, w *models.WebhookEndpoint) error {
		if err := change(w); err != nil {
			return err
		}
		return update(tx, w, "ID")
	})
	return result(w, writeErr(err, fmt.Sprintf("%s webhook %d", op, id), "webhook changed meanwhile"))
}

// DeleteWebhook removes a webhook endpoint.
func (s *Store) DeleteWebhook(ctx context.Context, id uint64) (models.WebhookEndpoint, error) {
	w, err := withRow(ctx, s, "webhook", "id", id, webhookTenant, func(tx *gorm.DB, w *models.WebhookEndpoint) error {
		return tx.Delete(w).Error
	})
	return result(w, writeErr(err, fmt.Sprintf("delete webhook %d", id), "webhook is in use"))
}

func webhookTenant(w models.WebhookEndpoint) string { return w.TenantID }
