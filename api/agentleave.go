package api

import (
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/leavemsg"
	"github.com/ccflow/ccflow/models"
)

// leaveMessageView is a leave message as agents read it: spec 002's columns.
type leaveMessageView struct {
	ID         string    `json:"id"`
	AccType    string    `json:"acc_type"`
	AccName    string    `json:"acc_name"`
	UserID     *string   `json:"user_id"`
	Contact    string    `json:"contact"`
	Callback   string    `json:"callback"`
	Tel        *string   `json:"tel"`
	Email      *string   `json:"email"`
	Subject    string    `json:"subject"`
	Content    *string   `json:"content"`
	CreateTime time.Time `json:"create_time"`
	UserData   *string   `json:"user_data"`
	Tag        *string   `json:"tag"`
}

func leaveView(m models.LeaveMessage) leaveMessageView {
	return leaveMessageView{
		ID: m.ID, AccType: m.AccType, AccName: m.AccName, UserID: m.UserID, Contact: m.Contact, Callback: m.Callback,
		Tel: m.Tel, Email: m.Email, Subject: m.Subject, Content: m.Content, CreateTime: m.CreateTime, UserData: m.UserData, Tag: m.Tag,
	}
}

// agentLeaveHandlers let agents work through their tenant's leave messages.
type agentLeaveHandlers struct {
	store *leavemsg.Store
	bind  *binder
}

const maxLeavePage = 200

// list answers a page of the tenant's leave messages, newest first;
// tag=X filters on a tag and tag=- on untagged messages.
func (h *agentLeaveHandlers) list(c *gin.Context) {
	page, err := queryInt(c, "page", 1, 1, 1<<20)
	if err != nil {
		jsonFail(c, err)
		return
	}
	size, err := queryInt(c, "pageSize", 50, 1, maxLeavePage)
	if err != nil {
		jsonFail(c, err)
		return
	}
	tag := c.Query("tag")
	if utf8.RuneCountInString(tag) > leavemsg.MaxTag {
		jsonFail(c, errBadRequest("tag must be at most 45 characters"))
		return
	}
	p, err := h.store.List(c.Request.Context(), agentFrom(c).TenantID, tag, int((page-1)*size), int(size))
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := make([]leaveMessageView, 0, len(p.Messages))
	for _, m := range p.Messages {
		out = append(out, leaveView(m))
	}
	c.JSON(http.StatusOK, gin.H{"messages": out, "total": p.Total, "page": page, "pageSize": size})
}

func (h *agentLeaveHandlers) get(c *gin.Context) {
	m, err := h.store.Get(c.Request.Context(), agentFrom(c).TenantID, c.Param("id"))
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, leaveView(m))
}

type tagBody struct {
	// Tag is the new tag; empty clears it.
	Tag *string `json:"tag" validate:"required"`
}

func (h *agentLeaveHandlers) tag(c *gin.Context) {
	var req tagBody
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	if utf8.RuneCountInString(*req.Tag) > leavemsg.MaxTag {
		jsonFail(c, errBadRequest("tag must be at most 45 characters"))
		return
	}
	m, err := h.store.Tag(c.Request.Context(), agentFrom(c).TenantID, c.Param("id"), *req.Tag)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, leaveView(m))
}
