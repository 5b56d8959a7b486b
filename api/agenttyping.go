package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// typing marks that the agent is typing in a conversation they serve; the
// visitor's poll answers it as agentTyping for a few seconds. The console
// calls it every few seconds while its agent types.
func (h *agentHandlers) typing(c *gin.Context) {
	row, ok := h.serving(c)
	if !ok {
		return
	}
	if err := h.chat.AgentTyping(c.Request.Context(), agentFrom(c).AgentID, row.ID); err != nil {
		jsonFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
