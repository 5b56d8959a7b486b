package agents

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// The session read is written out; it reads what GORM reads of the agent's
// row (tenant, session version, disabled, role) on SQLite and MariaDB, and
// an agent that does not exist is ErrNotFound.
func TestReadSessionReadsWhatGORMReads(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := &Store{DB: db}
		agents := []models.Agent{
			{ID: "a1", TenantID: "demo", Username: "a1", Nickname: "A", PasswordHash: "x", Capacity: 3, SessionVersion: 4, Role: "agent"},
			{ID: "a2", TenantID: "other", Username: "a2", Nickname: "B", PasswordHash: "x", Capacity: 3, SessionVersion: 9, Disabled: true, Role: "supervisor"},
		}
		for _, a := range agents {
			require.NoError(t, db.Create(&a).Error)
			var want models.Agent
			require.NoError(t, db.Where("id = ?", a.ID).Take(&want).Error)
			got, err := s.readSession(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, Session{Version: want.SessionVersion, Disabled: want.Disabled, Role: want.Role, tenantID: want.TenantID}, got)
		}
		_, err := s.readSession(ctx, "no-such")
		require.ErrorIs(t, err, ErrNotFound)
	})
}
