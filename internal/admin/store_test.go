package admin

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// eachDB runs f against a demo-seeded SQLite database and a MySQL one (the
// latter skipped without a server, unless CI is set).
func eachDB(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Helper()
	for name, open := range map[string]func(testing.TB) *gorm.DB{
		"sqlite": modelstest.SQLiteDB, "mysql": modelstest.MySQLDB,
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			_, err := models.SeedDemo(context.Background(), db)
			require.NoError(t, err)
			f(t, &Store{DB: db, BcryptCost: bcrypt.MinCost})
		})
	}
}

// kind is the Kind of a refusal, 0 for any other error.
func kind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// requireRefused checks that err is a refusal of kind k whose message contains msg.
func requireRefused(t *testing.T, err error, k Kind, msg string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k, kind(err), err.Error())
	require.Contains(t, err.Error(), msg)
}

// snapshot is every configuration table's content, to show a refused write changed nothing.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	var all []any
	for _, rows := range []any{
		&[]models.Tenant{}, &[]models.AppKey{}, &[]models.ChannelConfig{}, &[]models.SkillGroup{},
		&[]models.Agent{}, &[]models.AgentSkill{}, &[]models.FAQEntry{}, &[]models.WebhookEndpoint{},
	} {
		require.NoError(t, s.DB.Find(rows).Error)
		all = append(all, rows)
	}
	b, err := json.Marshal(all)
	require.NoError(t, err)
	return string(b)
}

// unchanged runs f, which must be refused with k and msg, and checks nothing changed.
func unchanged(t *testing.T, s *Store, k Kind, msg string, f func() error) {
	t.Helper()
	before := snapshot(t, s)
	requireRefused(t, f(), k, msg)
	require.Equal(t, before, snapshot(t, s), "a refused write changes nothing")
}

func ptr[T any](v T) *T { return &v }

func TestListsArePagedAndBounded(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		all, err := s.FAQEntries(ctx, models.DemoTenantID, Page{})
		require.NoError(t, err)
		require.EqualValues(t, 19, all.Total)
		require.Len(t, all.Items, 19)

		page, err := s.FAQEntries(ctx, models.DemoTenantID, Page{Limit: 5, Offset: 10})
		require.NoError(t, err)
		require.EqualValues(t, 19, page.Total)
		require.Len(t, page.Items, 5)
		require.EqualValues(t, 11, page.Items[0].ID)

		past, err := s.FAQEntries(ctx, models.DemoTenantID, Page{Offset: 100})
		require.NoError(t, err)
		require.NotNil(t, past.Items)
		require.Empty(t, past.Items)

		other, err := s.FAQEntries(ctx, "nobody", Page{})
		require.NoError(t, err)
		require.Zero(t, other.Total)

		_, err = s.FAQEntries(ctx, "", Page{Limit: MaxLimit + 1})
		requireRefused(t, err, KindInvalid, "limit must be from 1 to 500")
		_, err = s.Tenants(ctx, Page{Offset: -1})
		requireRefused(t, err, KindInvalid, "offset must be from 0")
	})
}

func TestDuplicateKeysAreRecognisedOnBothDatabases(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		err := s.DB.Create(&models.SkillGroup{ID: 11, TenantID: models.DemoTenantID, Name: "again"}).Error
		require.True(t, isDuplicate(err), "%v", err)
		err = s.DB.Create(&models.Tenant{ID: "x", Name: "x", BusinessID: 1, AppID: "x"}).Error
		require.True(t, isDuplicate(err), "%v", err)
		require.False(t, isDuplicate(errors.New("other")))
		require.False(t, isDuplicate(nil))
	})
}
