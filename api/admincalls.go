package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/calls"
)

// adminCallHandlers read and change a channel config's click-to-call
// settings (on/off, video, queue and ring timeouts). TURN and the SIP
// service are process settings (internal/config), not a tenant's.
type adminCallHandlers struct {
	bind  *binder
	store *calls.Store
}

func (h *adminCallHandlers) get(c *gin.Context) {
	s, err := h.store.SettingsOf(c.Request.Context(), c.Param("id"))
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, s)
}

func (h *adminCallHandlers) update(c *gin.Context) {
	var req calls.SettingsUpdate
	if err := h.bind.jsonStrict(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	s, err := h.store.UpdateSettings(c.Request.Context(), c.Param("id"), req)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, s)
}
