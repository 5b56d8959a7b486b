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
// environment) and switch a tenant's outbound calls on and off.
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

func (h *adminSIPHandlers) tenantGet(c *gin.Context) {
	if h.store == nil {
		jsonFail(c, unavailable(errNoOutboundStore))
		return
	}
	id := c.Param("id")
	ok, err := h.store.TenantExists(c.Request.Context(), id)
	if err == nil && !ok {
		err = outbound.ErrNoTenant
	}
	if err != nil {
		jsonFail(c, err)
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
