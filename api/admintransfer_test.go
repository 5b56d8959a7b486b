package api

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/transfer"
)

// A tenant's transfer words (issue 11) are set through the admin API, shown
// on the tenant (the built-in list until set), refused when bad without a
// change, and the sends of this process use them at once.
func TestAdminTransferWordsReachTheSendsAtOnce(t *testing.T) {
	db := demoDB(t)
	d := testDeps(db)
	d.Tokens = newTestIssuer(t, db, newTestClock())
	d.Agents = &agents.Store{DB: db}
	d.FAQ = faq.NewLibrary(db, time.Hour)
	d.Admin = &admin.Store{DB: db, BcryptCost: bcrypt.MinCost}
	d.AdminKey = testAdminKey
	words := transfer.NewWords(db, time.Hour)
	d.Chat = chat.NewService(&chatlog.Log{DB: db}, nil, nil, slog.New(slog.DiscardHandler))
	d.Chat.Transfer = words
	e := &adminEnv{t: t, db: db, d: d, router: NewRouter(d)}
	ctx := context.Background()

	tenant := e.ok(http.StatusOK, http.MethodGet, "/tenants/demo", "")
	require.Contains(t, tenant["transferWords"], "转人工", "the built-in list until the tenant sets one")
	ok, err := words.Matches(ctx, "demo", "找真人")
	require.NoError(t, err)
	require.False(t, ok, "cached now, for an hour")

	before := e.snapshot()
	w := e.call(http.MethodPut, "/tenants/demo", `{"transferWords":["找真人","???"]}`)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), `has no letters`)
	require.Equal(t, before, e.snapshot(), "a refused edit changes nothing")

	tenant = e.ok(http.StatusOK, http.MethodPut, "/tenants/demo", `{"transferWords":[" 找真人 ","找真人！"]}`)
	require.Equal(t, []any{"找真人"}, tenant["transferWords"])
	ok, err = words.Matches(ctx, "demo", "找真人")
	require.NoError(t, err)
	require.True(t, ok, "the edit reached this process's sends at once")
	ok, err = words.Matches(ctx, "demo", "转人工")
	require.NoError(t, err)
	require.False(t, ok, "the tenant's list replaces the built-in one")
}
