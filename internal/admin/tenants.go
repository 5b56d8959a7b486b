package admin

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/transfer"
	"github.com/ccflow/ccflow/models"
)

// TenantFields are a tenant's settings; on update a nil field keeps its value.
type TenantFields struct {
	Name       *string `json:"name"`
	BusinessID *int64  `json:"businessId"`
	AppID      *string `json:"appId"`
	VendorID   *string `json:"vendorId"`
	SiteID     *string `json:"siteId"`
	Logo       *string `json:"logo"`
	// TransferWords are the lines that, typed to the robot, ask for a
	// person; [] turns the typed transfer off.
	TransferWords *[]string `json:"transferWords"`
	// FileRetentionDays is how long the tenant's files are kept; 0 is the
	// server's default (CCFLOW_FILE_RETENTION).
	FileRetentionDays *int64 `json:"fileRetentionDays"`
}

// NewTenant is a tenant to create; its ID cannot change later.
type NewTenant struct {
	ID string `json:"id"`
	TenantFields
}

func (f TenantFields) apply(t *models.Tenant) error {
	set(&t.Name, trimmed(f.Name))
	set(&t.BusinessID, f.BusinessID)
	set(&t.AppID, trimmed(f.AppID))
	set(&t.VendorID, trimmed(f.VendorID))
	set(&t.SiteID, trimmed(f.SiteID))
	set(&t.Logo, trimmed(f.Logo))
	set(&t.FileRetentionDays, f.FileRetentionDays)
	if f.TransferWords == nil {
		return nil
	}
	words, err := transfer.Clean(*f.TransferWords)
	if err != nil {
		return invalidf("%s", err.Error())
	}
	stored, err := transfer.Stored(words)
	if err != nil {
		return err
	}
	t.TransferWords = stored
	return nil
}

func checkTenant(t models.Tenant) error {
	return collect(
		identifier("id", t.ID, 64),
		line("name", t.Name, 128, true),
		between("businessId", t.BusinessID, 1, 1<<53),
		identifier("appId", t.AppID, 64),
		identifier("vendorId", t.VendorID, 64),
		identifier("siteId", t.SiteID, 64),
		webURL("logo", t.Logo, 512, false),
		between("fileRetentionDays", t.FileRetentionDays, 0, 36500),
	)
}

// tenantClashes refuses values another tenant holds: business id and appid
// are unique keys, and vendorId with siteId is how spec 000's guest entry
// finds a tenant, so that pair must name one tenant too.
func tenantClashes(tx *gorm.DB, t models.Tenant) error {
	checks := []struct {
		query string
		args  []any
		msg   string
	}{
		{"business_id = ?", []any{t.BusinessID}, fmt.Sprintf("businessId %d", t.BusinessID)},
		{"app_id = ?", []any{t.AppID}, fmt.Sprintf("appId %q", t.AppID)},
		{"vendor_id = ? AND site_id = ?", []any{t.VendorID, t.SiteID}, fmt.Sprintf("vendorId %q with siteId %q", t.VendorID, t.SiteID)},
	}
	for _, c := range checks {
		var other models.Tenant
		err := tx.Select("id").Where(c.query, c.args...).Where("id <> ?", t.ID).Limit(1).Find(&other).Error
		if err != nil {
			return fmt.Errorf("check tenant %s: %w", t.ID, err)
		}
		if other.ID != "" {
			return conflictf("%s is already used by tenant %q", c.msg, other.ID)
		}
	}
	return nil
}

// CreateTenant adds a tenant.
func (s *Store) CreateTenant(ctx context.Context, in NewTenant) (models.Tenant, error) {
	t := models.Tenant{ID: strings.TrimSpace(in.ID)}
	if err := in.apply(&t); err != nil {
		return models.Tenant{}, err
	}
	if err := checkTenant(t); err != nil {
		return models.Tenant{}, err
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, err := count[models.Tenant](tx, "id = ?", t.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return conflictf("tenant %q already exists", t.ID)
		}
		if err := tenantClashes(tx, t); err != nil {
			return err
		}
		return tx.Create(&t).Error
	})
	if err := writeErr(err, "create tenant", "tenant "+t.ID+", its businessId or its appId already exists"); err != nil {
		return models.Tenant{}, err
	}
	return t, nil
}

// Tenant reads a tenant.
func (s *Store) Tenant(ctx context.Context, id string) (models.Tenant, error) {
	return find[models.Tenant](ctx, s.DB, "tenant", "id", id)
}

// Tenants lists tenants in id order.
func (s *Store) Tenants(ctx context.Context, p Page) (List[models.Tenant], error) {
	return list[models.Tenant](ctx, s.DB, "", p, "id")
}

// UpdateTenant changes the given fields of a tenant.
func (s *Store) UpdateTenant(ctx context.Context, id string, f TenantFields) (models.Tenant, error) {
	var t models.Tenant
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if t, err = findLocked[models.Tenant](tx, "tenant", "id", id); err != nil {
			return err
		}
		if err := f.apply(&t); err != nil {
			return err
		}
		if err := checkTenant(t); err != nil {
			return err
		}
		if err := tenantClashes(tx, t); err != nil {
			return err
		}
		return update(tx, &t, "ID")
	})
	if err := writeErr(err, "update tenant "+id, "businessId or appId is already used by another tenant"); err != nil {
		return models.Tenant{}, err
	}
	return t, nil
}

// DeleteTenant removes a tenant that has no configuration left. It does not
// cascade: an admin deletes the app keys, channel configs, skill groups,
// agents, FAQ entries, webhooks and its own SIP trunk first, so nothing
// goes by accident.
// Conversations and chat records are history and stay.
func (s *Store) DeleteTenant(ctx context.Context, id string) (models.Tenant, error) {
	var t models.Tenant
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if t, err = findLocked[models.Tenant](tx, "tenant", "id", id); err != nil {
			return err
		}
		var left []string
		for _, c := range []struct {
			what  string
			count func(*gorm.DB, string, ...any) (int64, error)
		}{
			{"app keys", count[models.AppKey]},
			{"channel configs", count[models.ChannelConfig]},
			{"skill groups", count[models.SkillGroup]},
			{"agents", count[models.Agent]},
			{"FAQ entries", count[models.FAQEntry]},
			{"webhooks", count[models.WebhookEndpoint]},
			// A tenant created later under the same id must not inherit
			// the trunk and its credentials.
			{"SIP trunk", count[models.SIPTrunk]},
		} {
			n, err := c.count(tx, "tenant_id = ?", id)
			if err != nil {
				return err
			}
			if n > 0 {
				left = append(left, fmt.Sprintf("%s (%d)", c.what, n))
			}
		}
		if len(left) > 0 {
			return conflictf("tenant %q still has %s; delete them first", id, strings.Join(left, ", "))
		}
		return tx.Delete(&t).Error
	})
	if err := writeErr(err, "delete tenant "+id, "tenant "+id+" is in use"); err != nil {
		return models.Tenant{}, err
	}
	return t, nil
}
