package admin

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/authcache"
	"github.com/ccflow/ccflow/models"
)

// Sizes of generated app key credentials, in random bytes.
const (
	appKeyBytes    = 16
	appSecretBytes = 32
)

// AppKeyFields are an app key's settings; on update a nil field keeps its value.
type AppKeyFields struct {
	Name *string `json:"name"`
	// Disabled refuses the key's tokens and its visitors' calls at once.
	Disabled *bool `json:"disabled"`
}

// NewAppKey is an app key to create; an empty Key is generated. The secret
// is always generated, so that nobody picks a guessable one.
type NewAppKey struct {
	Key      string `json:"key"`
	TenantID string `json:"tenantId"`
	AppKeyFields
}

func checkAppKey(k models.AppKey) error {
	return collect(
		identifier("key", k.Key, 64),
		identifier("tenantId", k.TenantID, 64),
		line("name", k.Name, 64, false),
	)
}

// CreateAppKey adds an app key with a new secret; the returned key holds the
// secret, which the admin API shows this once.
func (s *Store) CreateAppKey(ctx context.Context, in NewAppKey) (models.AppKey, error) {
	k := models.AppKey{Key: strings.TrimSpace(in.Key), TenantID: strings.TrimSpace(in.TenantID)}
	if k.Key == "" {
		key, err := newSecret(appKeyBytes)
		if err != nil {
			return models.AppKey{}, err
		}
		k.Key = key
	}
	in.apply(&k)
	if err := checkAppKey(k); err != nil {
		return models.AppKey{}, err
	}
	secret, err := newSecret(appSecretBytes)
	if err != nil {
		return models.AppKey{}, err
	}
	k.Secret = secret
	err = s.inTenant(ctx, k.TenantID, func(tx *gorm.DB) error {
		n, err := count[models.AppKey](tx, "`key` = ?", k.Key)
		if err != nil {
			return err
		}
		if n > 0 {
			return conflictf("app key %q already exists", k.Key)
		}
		return tx.Create(&k).Error
	})
	return result(k, writeErr(err, "create app key", "app key "+k.Key+" already exists"))
}

func (f AppKeyFields) apply(k *models.AppKey) {
	set(&k.Name, trimmed(f.Name))
	set(&k.Disabled, f.Disabled)
}

// AppKey reads an app key.
func (s *Store) AppKey(ctx context.Context, key string) (models.AppKey, error) {
	return find[models.AppKey](ctx, s.DB, "app key", "key", key)
}

// AppKeys lists app keys, of one tenant when tenantID is set, oldest first.
func (s *Store) AppKeys(ctx context.Context, tenantID string, p Page) (List[models.AppKey], error) {
	return list[models.AppKey](ctx, s.DB, tenantID, p, "created_at, `key`")
}

// UpdateAppKey changes the given fields of an app key.
func (s *Store) UpdateAppKey(ctx context.Context, key string, f AppKeyFields) (models.AppKey, error) {
	return s.changeAppKey(ctx, key, "update", func(k *models.AppKey) error {
		f.apply(k)
		return checkAppKey(*k)
	})
}

// RotateAppKey gives an app key a new secret, returned this once. The old
// secret stops working at once; AccessTokens issued with it live out their
// lifetime (disable the key to cut those off too).
func (s *Store) RotateAppKey(ctx context.Context, key string) (models.AppKey, error) {
	secret, err := newSecret(appSecretBytes)
	if err != nil {
		return models.AppKey{}, err
	}
	return s.changeAppKey(ctx, key, "rotate", func(k *models.AppKey) error {
		k.Secret = secret
		return nil
	})
}

// changeAppKey applies change to an app key under its tenant's lock.
func (s *Store) changeAppKey(ctx context.Context, key, op string, change func(*models.AppKey) error) (models.AppKey, error) {
	k, err := withRow(ctx, s, "app key", "key", key, appKeyTenant, func(tx *gorm.DB, k *models.AppKey) error {
		if err := change(k); err != nil {
			return err
		}
		if err := update(tx, k, "Key"); err != nil {
			return err
		}
		return authcache.Record(tx, authcache.AppKey(key))
	})
	return result(k, s.revoked(ctx, writeErr(err, op+" app key "+key, "app key "+key+" changed meanwhile"), authcache.AppKey(key)))
}

// DeleteAppKey removes an app key; its AccessTokens and visitors' tokens stop working.
func (s *Store) DeleteAppKey(ctx context.Context, key string) (models.AppKey, error) {
	k, err := withRow(ctx, s, "app key", "key", key, appKeyTenant, func(tx *gorm.DB, k *models.AppKey) error {
		if err := tx.Delete(k).Error; err != nil {
			return err
		}
		return authcache.Record(tx, authcache.AppKey(key))
	})
	return result(k, s.revoked(ctx, writeErr(err, "delete app key "+key, "app key "+key+" is in use"), authcache.AppKey(key)))
}

func appKeyTenant(k models.AppKey) string { return k.TenantID }
