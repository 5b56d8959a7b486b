package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// colleagueView is another agent of the tenant, as the transfer dialog offers them.
type colleagueView struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Username    string  `json:"username"`
	Status      string  `json:"status"`
	Load        int     `json:"load"`
	Capacity    int     `json:"capacity"`
	SkillGroups []int64 `json:"skillGroups"`
}

// notes lists the supervisors' whispers the calling agent got on a
// conversation, so a reloaded console shows them again.
func (h *supervisorHandlers) notes(c *gin.Context) {
	claims := agentFrom(c)
	list, err := h.store.Notes(c.Request.Context(), claims.AgentID, c.Param("id"))
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := make([]noteView, 0, len(list))
	for _, n := range list {
		out = append(out, viewNote(n))
	}
	c.JSON(http.StatusOK, gin.H{"notes": out})
}

// colleagues lists the other agents of the caller's tenant who are not
// disabled, with presence and load, read from the database: whom the caller
// may transfer a conversation to.
func (h *supervisorHandlers) colleagues(c *gin.Context) {
	claims := agentFrom(c)
	all, err := h.store.Colleagues(c.Request.Context(), claims.TenantID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := make([]colleagueView, 0, len(all))
	for _, a := range all {
		if a.ID == claims.AgentID {
			continue
		}
		out = append(out, colleagueView{ID: a.ID, Name: a.Name, Username: a.Username, Status: a.Status, Load: a.Load,
			Capacity: a.Capacity, SkillGroups: a.SkillGroups})
	}
	c.JSON(http.StatusOK, gin.H{"agents": out})
}
