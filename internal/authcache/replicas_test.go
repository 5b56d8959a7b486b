package authcache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/authcache"
	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// replica is what one `ccflow server` holds of authentication: its own
// database handle, cache and tailer, as internal/app wires them.
type replica struct {
	dir    *directory.Directory
	agents *agents.Store
	admin  *admin.Store
}

func openDB(t *testing.T, ctx context.Context, dsn string) *gorm.DB {
	t.Helper()
	db, err := models.Open(ctx, models.DriverMySQL, dsn)
	require.NoError(t, err)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

func newReplica(t *testing.T, ctx context.Context, dsn string) replica {
	t.Helper()
	db := openDB(t, ctx, dsn)
	var err error
	var tl *notify.Tailer
	cache := authcache.New(authcache.Options{Tail: func() (time.Time, time.Time) { return tl.Current() }})
	tl, err = notify.NewTailer(notify.TailerConfig{DB: db, Sources: []notify.TailSource{
		{Table: "auth_changes", KeyColumn: "subject", KeyPrefix: authcache.Prefix},
	}}, cache)
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- tl.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.Eventually(t, func() bool { _, last := tl.Current(); return !last.IsZero() }, time.Minute, 10*time.Millisecond)
	return replica{
		dir:    &directory.Directory{DB: db, Auth: cache},
		agents: &agents.Store{DB: db, Auth: cache},
		admin:  &admin.Store{DB: db, Auth: cache},
	}
}

// TestARevocationOnOneReplicaCountsOnTheOtherWhenItAnswers runs two
// replicas' caches on one MariaDB: each serves authentication from memory,
// and a revocation made through one is refused by the other as soon as the
// revoking call has answered.
func TestARevocationOnOneReplicaCountsOnTheOtherWhenItAnswers(t *testing.T) {
	ctx := context.Background()
	dsn := modelstest.MySQLDSN(t)
	seeded := openDB(t, ctx, dsn)
	require.NoError(t, models.Migrate(ctx, seeded))
	_, err := models.SeedDemo(ctx, seeded)
	require.NoError(t, err)
	a, b := newReplica(t, ctx, dsn), newReplica(t, ctx, dsn)

	// B reads the key once and serves it from memory: a change made by hand
	// in the database (no revocation) does not show.
	k, err := b.dir.AppKey(ctx, models.DemoAppKey)
	require.NoError(t, err)
	require.NoError(t, seeded.Model(&models.AppKey{}).Where("`key` = ?", models.DemoAppKey).Update("name", "by hand").Error)
	cached, err := b.dir.AppKey(ctx, models.DemoAppKey)
	require.NoError(t, err)
	require.Equal(t, k.Name, cached.Name, "served from memory")

	disabled := true
	_, err = a.admin.UpdateAppKey(ctx, models.DemoAppKey, admin.AppKeyFields{Disabled: &disabled})
	require.NoError(t, err)
	_, err = b.dir.AppKey(ctx, models.DemoAppKey)
	require.ErrorIs(t, err, directory.ErrNotFound, "disabled through A, refused by B when A answered")

	s, err := b.agents.Session(ctx, models.DemoTenantID, "agent1")
	require.NoError(t, err)
	require.NoError(t, a.agents.RevokeSessions(ctx, models.DemoTenantID, "agent1"))
	after, err := b.agents.Session(ctx, models.DemoTenantID, "agent1")
	require.NoError(t, err)
	require.Equal(t, s.Version+1, after.Version, "a logout through A ends the session on B")

	supervisor := "supervisor"
	_, err = b.admin.UpdateAgent(ctx, "agent1", admin.AgentFields{Role: &supervisor})
	require.NoError(t, err)
	after, err = a.agents.Session(ctx, models.DemoTenantID, "agent1")
	require.NoError(t, err)
	require.Equal(t, "supervisor", after.Role, "a role changed through B counts on A")

	_, err = a.agents.Session(ctx, "another-tenant", "agent1")
	require.ErrorIs(t, err, agents.ErrNotFound, "the cached entry is still checked against the tenant")

	_, err = b.admin.DeleteAgent(ctx, "agent1")
	require.NoError(t, err)
	_, err = a.agents.Session(ctx, models.DemoTenantID, "agent1")
	require.ErrorIs(t, err, agents.ErrNotFound, "deleted through B, gone on A")
}
