package transfer_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/transfer"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// Only a whole line asks for a person, case, spaces and punctuation aside.
func TestSetMatchesWholeLines(t *testing.T) {
	s := transfer.NewSet(transfer.Defaults)
	for _, words := range []string{"人工", "客服", "Human", "talk to an agent.", "AGENT", " 转人工！"} {
		require.True(t, s.Matches(words), words)
	}
	for _, words := range []string{"人工智能是什么", "客服电话是多少？", "agent fees", "版本", ""} {
		require.False(t, s.Matches(words), words)
	}
}

// A tenant's list is trimmed and deduplicated as compared; lines without
// letters, too many or too long lines are refused; [] is allowed.
func TestCleanChecksATenantsList(t *testing.T) {
	got, err := transfer.Clean([]string{" 找客服 ", "找客服!", "Operator"})
	require.NoError(t, err)
	require.Equal(t, []string{"找客服", "Operator"}, got)
	got, err = transfer.Clean([]string{})
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = transfer.Clean([]string{"!!!"})
	require.ErrorContains(t, err, "has no letters")
	_, err = transfer.Clean([]string{"这一行实在是太长了这一行实在是太长了这一行实在是太长了这一行实在是太长了"})
	require.ErrorContains(t, err, "longer than 32")
	_, err = transfer.Clean(make([]string, transfer.MaxWords+1))
	require.ErrorContains(t, err, "at most 50")
}

// Words reads each tenant's own list, the defaults for a tenant without one
// (or an unknown tenant), nothing for an empty list, and an edit once
// invalidated.
func TestWordsPerTenant(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	own, err := transfer.Stored([]string{"找客服", "operator"})
	require.NoError(t, err)
	none, err := transfer.Stored([]string{})
	require.NoError(t, err)
	now := time.Now()
	for _, tn := range []models.Tenant{
		{ID: "shop", Name: "shop", BusinessID: 1, AppID: "a1", TransferWords: own, CreatedAt: now, UpdatedAt: now},
		{ID: "plain", Name: "plain", BusinessID: 2, AppID: "a2", CreatedAt: now, UpdatedAt: now},
		{ID: "off", Name: "off", BusinessID: 3, AppID: "a3", TransferWords: none, CreatedAt: now, UpdatedAt: now},
	} {
		require.NoError(t, db.Create(&tn).Error)
	}
	w := transfer.NewWords(db, time.Hour)
	match := func(tenant, line string) bool {
		t.Helper()
		ok, err := w.Matches(ctx, tenant, line)
		require.NoError(t, err)
		return ok
	}
	require.True(t, match("shop", "找客服"))
	require.True(t, match("shop", "Operator!"))
	require.False(t, match("shop", "转人工"), "the tenant's own list replaces the defaults")
	require.True(t, match("plain", "转人工"))
	require.True(t, match("gone", "转人工"))
	require.False(t, match("off", "转人工"))

	// An edit shows once the cache is told.
	again, err := transfer.Stored([]string{"转人工"})
	require.NoError(t, err)
	require.NoError(t, db.Model(&models.Tenant{}).Where("id = ?", "shop").Update("transfer_words", again).Error)
	require.True(t, match("shop", "找客服"), "cached for the ttl")
	w.Invalidate("shop")
	require.False(t, match("shop", "找客服"))
	require.True(t, match("shop", "转人工"))
}
