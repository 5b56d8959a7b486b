package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/ratelimit"
)

// groupHandlers serve spec 001's merchant groups: a business's skill groups.
type groupHandlers struct{ d Deps }

// group is one element of spec 001's msg list.
type group struct {
	ID        int64  `json:"id"`
	GroupName string `json:"groupname"`
}

// groupsResponse is spec 001's answer; on failure code is 1 with message and
// errorCode (the HTTP status), fields the spec's table lists.
type groupsResponse struct {
	Code      int     `json:"code"`
	Msg       []group `json:"msg"`
	Message   string  `json:"message,omitempty"`
	ErrorCode int     `json:"errorCode,omitempty"`
}

// Group look-ups are public (a web page calls them before any token exists),
// so they are limited per client like the other public entries, more loosely.
const (
	groupsPerMinute = 60
	groupsBurst     = 20
)

func newGroupsLimiter() gin.HandlerFunc {
	return limitPerClient(ratelimit.New(rate.Every(time.Minute/groupsPerMinute), groupsBurst, 10*time.Minute))
}

func (h *groupHandlers) list(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("business_id"), 10, 64)
	if err != nil || id <= 0 {
		groupsFail(c, errBadRequest("business_id must be a positive integer"))
		return
	}
	groups, err := h.d.Directory.SkillGroups(c.Request.Context(), id)
	if errors.Is(err, directory.ErrNotFound) {
		err = &apiError{http.StatusNotFound, "404", "no business with business_id " + strconv.FormatInt(id, 10)}
	}
	if err != nil {
		groupsFail(c, err)
		return
	}
	out := groupsResponse{Msg: make([]group, 0, len(groups))}
	for _, g := range groups {
		out.Msg = append(out.Msg, group{ID: g.ID, GroupName: g.Name})
	}
	c.JSON(http.StatusOK, out)
}

// groupsFail answers err in spec 001's envelope.
func groupsFail(c *gin.Context, err error) {
	ae := classify(c, err)
	c.AbortWithStatusJSON(ae.status, groupsResponse{Code: 1, Msg: []group{}, Message: ae.desc, ErrorCode: ae.status})
}
