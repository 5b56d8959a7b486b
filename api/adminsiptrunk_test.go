package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/models"
)

// TestAdminTenantSIPTrunk: an operator sets a tenant's own trunk, reads it
// back without its password, moves it keeping the password, and deletes it
// (back to the process's default); bad input is a 400 that changes nothing.
func TestAdminTenantSIPTrunk(t *testing.T) {
	e := newOutboundEnv(t, testSIPSettings)
	path := "tenants/" + models.DemoTenantID + "/sip-trunk"
	store := &outbound.Store{DB: e.db}
	stored := func() (outbound.Trunk, bool) {
		tr, ok, err := store.TenantTrunk(context.Background(), models.DemoTenantID)
		require.NoError(t, err)
		return tr, ok
	}

	w := e.admin(http.MethodGet, path, "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"tenantId":"`+models.DemoTenantID+`","custom":false,"address":"198.51.100.1:5060","username":"ccflow","passwordSet":true}`,
		w.Body.String(), "without its own trunk a tenant dials the process's default")

	w = e.admin(http.MethodPut, path, `{"address":"sip:192.0.2.10:5070","username":"tenant-a","password":"pw-of-tenant-a"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"tenantId":"`+models.DemoTenantID+`","custom":true,"address":"192.0.2.10:5070","username":"tenant-a","passwordSet":true}`, w.Body.String())
	require.NotContains(t, w.Body.String(), "pw-of-tenant-a")
	w = e.admin(http.MethodGet, path, "")
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"tenantId":"`+models.DemoTenantID+`","custom":true,"address":"192.0.2.10:5070","username":"tenant-a","passwordSet":true}`, w.Body.String())
	require.NotContains(t, w.Body.String(), "pw-of-tenant-a", "the password is never returned")
	tr, ok := stored()
	require.True(t, ok)
	require.Equal(t, outbound.Trunk{Addr: "192.0.2.10:5070", Username: "tenant-a", Password: "pw-of-tenant-a"}, tr)

	// Moved without a password: the stored one stays.
	w = e.admin(http.MethodPut, path, `{"address":"192.0.2.11:5060","username":"tenant-a"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	tr, _ = stored()
	require.Equal(t, outbound.Trunk{Addr: "192.0.2.11:5060", Username: "tenant-a", Password: "pw-of-tenant-a"}, tr)
	// An empty password is none.
	w = e.admin(http.MethodPut, path, `{"address":"192.0.2.11:5060","password":""}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"tenantId":"`+models.DemoTenantID+`","custom":true,"address":"192.0.2.11:5060","username":"","passwordSet":false}`, w.Body.String())
	w = e.admin(http.MethodPut, path, `{"address":"192.0.2.10:5070","username":"tenant-a","password":"pw-of-tenant-a"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	for _, body := range []string{
		`{}`, `nope`, `{"address":""}`, `{"address":"192.0.2.10"}`, `{"address":"192.0.2.10:99999"}`,
		`{"address":"sip:u@192.0.2.10:5060"}`, `{"address":"192.0.2.10:5060","password":"x"}`,
		`{"address":"192.0.2.10:5060","user":"x"}`, `{"address":5060}`,
		`{"address":"192.0.2.10:5060","username":"` + strings.Repeat("u", 129) + `"}`,
	} {
		w = e.admin(http.MethodPut, path, body)
		require.Equal(t, http.StatusBadRequest, w.Code, "%s: %s", body, w.Body.String())
		tr, ok = stored()
		require.True(t, ok)
		require.Equal(t, outbound.Trunk{Addr: "192.0.2.10:5070", Username: "tenant-a", Password: "pw-of-tenant-a"}, tr, "%s changed nothing", body)
	}
	// The kept password needs a username to go with it.
	w = e.admin(http.MethodPut, path, `{"address":"192.0.2.10:5060"}`)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), "a password needs a username")
	tr, _ = stored()
	require.Equal(t, "192.0.2.10:5070", tr.Addr, "refused: changed nothing")

	w = e.admin(http.MethodDelete, path, "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"tenantId":"`+models.DemoTenantID+`","custom":false,"address":"198.51.100.1:5060","username":"ccflow","passwordSet":true}`, w.Body.String())
	_, ok = stored()
	require.False(t, ok, "deleted: back to the process's default")
	w = e.admin(http.MethodDelete, path, "")
	require.Equal(t, http.StatusOK, w.Code, "deleting again is a no-op")

	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		w = e.admin(m, "tenants/nobody/sip-trunk", "")
		require.Equal(t, http.StatusNotFound, w.Code, m)
	}
	w = e.admin(http.MethodPut, "tenants/nobody/sip-trunk", `{"address":"192.0.2.10:5060"}`)
	require.Equal(t, http.StatusNotFound, w.Code)
	w = serve(e.router, http.MethodGet, "/api/admin/v1/"+path, "", nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
}
