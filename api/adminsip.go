package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/outbound"
)

// SIPInfo is the SIP service's configuration as the admin API shows it
// (CCFLOW_SIP_*; the trunk's password is never shown, only whether one is set).
type SIPInfo struct {
	Enabled          bool   `json:"enabled"`
	ListenAddr       string `json:"listenAddr"`
	ServiceAddress   string `json:"serviceAddress"`
	Transport        string `json:"transport"`
	TrunkAddr        string `json:"trunkAddr"`
	TrunkUsername    string `json:"trunkUsername"`
	TrunkPasswordSet bool   `json:"trunkPasswordSet"`
	AccessCodeTTLSec int64  `json:"accessCodeTtlSec"`
	DialTimeoutSec   int64  `json:"dialTimeoutSec"`
	MaxDurationSec   int64  `json:"maxDurationSec"`
	DefaultCaller    string `json:"defaultCaller"`
	AccessCodePrefix string `json:"accessCodePrefix"`
}

// errNoOutboundStore is a server set up without the outbound call store.
var errNoOutboundStore = errors.New("outbound calls are not set up on this server")

// adminSIPHandlers show the SIP service's settings (the process's, from the
// environment), switch a tenant's outbound calls on and off and set the
// tenant's own SIP trunk.
type adminSIPHandlers struct {
	bind  *binder
	info  SIPInfo
	store *outbound.Store
}

// outboundSettings is a tenant's outbound call switch.
type outboundSettings struct {
	TenantID string `json:"tenantId"`
	Enabled  bool   `json:"enabled"`
}

// outboundSettingsUpdate changes it.
type outboundSettingsUpdate struct {
	Enabled *bool `json:"enabled" validate:"required"`
}

func (h *adminSIPHandlers) get(c *gin.Context) { c.JSON(http.StatusOK, h.info) }

// tenant is the path's tenant, once the store is there and the tenant
// exists; false when the answer (503 or 404) is written.
func (h *adminSIPHandlers) tenant(c *gin.Context) (string, bool) {
	if h.store == nil {
		jsonFail(c, unavailable(errNoOutboundStore))
		return "", false
	}
	id := c.Param("id")
	ok, err := h.store.TenantExists(c.Request.Context(), id)
	if err == nil && !ok {
		err = outbound.ErrNoTenant
	}
	if err != nil {
		jsonFail(c, err)
		return "", false
	}
	return id, true
}

func (h *adminSIPHandlers) tenantGet(c *gin.Context) {
	id, ok := h.tenant(c)
	if !ok {
		return
	}
	on, err := h.store.Enabled(c.Request.Context(), id)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, outboundSettings{TenantID: id, Enabled: on})
}

func (h *adminSIPHandlers) tenantUpdate(c *gin.Context) {
	if h.store == nil {
		jsonFail(c, unavailable(errNoOutboundStore))
		return
	}
	var req outboundSettingsUpdate
	if err := h.bind.jsonStrict(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	id := c.Param("id")
	if err := h.store.SetEnabled(c.Request.Context(), id, *req.Enabled); err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, outboundSettings{TenantID: id, Enabled: *req.Enabled})
}

// sipTrunkSettings is a tenant's SIP trunk as the admin API shows it: its
// own (custom) or the process's default it falls back to. The password is
// never shown, only whether one is set.
type sipTrunkSettings struct {
	TenantID    string `json:"tenantId"`
	Custom      bool   `json:"custom"`
	Address     string `json:"address"`
	Username    string `json:"username"`
	PasswordSet bool   `json:"passwordSet"`
}

// sipTrunkUpdate sets a tenant's own trunk; a password left out keeps the
// one the tenant's trunk has.
type sipTrunkUpdate struct {
	Address  string  `json:"address" validate:"required"`
	Username string  `json:"username"`
	Password *string `json:"password"`
}

// trunkSettings answers the trunk a tenant's calls dial now.
func (h *adminSIPHandlers) trunkSettings(c *gin.Context, id string) {
	t, own, err := h.store.TenantTrunk(c.Request.Context(), id)
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := sipTrunkSettings{TenantID: id, Custom: own, Address: h.info.TrunkAddr, Username: h.info.TrunkUsername, PasswordSet: h.info.TrunkPasswordSet}
	if own {
		out.Address, out.Username, out.PasswordSet = t.Addr, t.Username, t.Password != ""
	}
	c.JSON(http.StatusOK, out)
}

func (h *adminSIPHandlers) trunkGet(c *gin.Context) {
	id, ok := h.tenant(c)
	if !ok {
		return
	}
	h.trunkSettings(c, id)
}

func (h *adminSIPHandlers) trunkPut(c *gin.Context) {
	if h.store == nil {
		jsonFail(c, unavailable(errNoOutboundStore))
		return
	}
	var req sipTrunkUpdate
	if err := h.bind.jsonStrict(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	t := outbound.Trunk{Addr: req.Address, Username: req.Username}
	if req.Password != nil {
		t.Password = *req.Password
	}
	t, err := outbound.CheckTrunk(t)
	if err != nil {
		jsonFail(c, err)
		return
	}
	id := c.Param("id")
	if err := h.store.SetTenantTrunk(c.Request.Context(), id, t, req.Password == nil); err != nil {
		jsonFail(c, err)
		return
	}
	h.trunkSettings(c, id)
}

func (h *adminSIPHandlers) trunkDelete(c *gin.Context) {
	if h.store == nil {
		jsonFail(c, unavailable(errNoOutboundStore))
		return
	}
	id := c.Param("id")
	if err := h.store.DeleteTenantTrunk(c.Request.Context(), id); err != nil {
		jsonFail(c, err)
		return
	}
	h.trunkSettings(c, id)
}
