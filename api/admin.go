package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/admin"
)

// adminKeyHeader is the admin key's alternative to Authorization: Bearer,
// for tools that already use Authorization for something else.
const adminKeyHeader = "X-Admin-Key"

// adminStatus is the HTTP status of an admin refusal.
func adminStatus(k admin.Kind) int {
	switch k {
	case admin.KindInvalid:
		return http.StatusBadRequest
	case admin.KindNotFound:
		return http.StatusNotFound
	case admin.KindConflict:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// adminAuth admits requests that carry the admin key. Without a key (or a
// store) the whole admin API answers 404, so that a `ccflow server` started
// without CCFLOW_ADMIN_KEY exposes nothing to guess at.
func adminAuth(key string, store *admin.Store) gin.HandlerFunc {
	// Digests have equal lengths, so the comparison leaks no length either.
	want := sha256.Sum256([]byte(key))
	return func(c *gin.Context) {
		if key == "" || store == nil {
			jsonFail(c, &apiError{http.StatusNotFound, "404", "admin API disabled: set CCFLOW_ADMIN_KEY"})
			return
		}
		given := c.GetHeader(adminKeyHeader)
		if raw := c.GetHeader(authorizationHeader); raw != "" {
			bearer, ok := bearerToken(raw)
			if !ok {
				adminUnauthorized(c, authorizationHeader+" must be Bearer followed by the admin key")
				return
			}
			given = bearer
		}
		if given == "" {
			adminUnauthorized(c, "the admin key is required: send Authorization: Bearer KEY, or "+adminKeyHeader+": KEY")
			return
		}
		got := sha256.Sum256([]byte(given))
		if subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
			adminUnauthorized(c, "wrong admin key")
			return
		}
		noStore(c)
		c.Next()
	}
}

func adminUnauthorized(c *gin.Context, msg string) {
	c.Header("WWW-Authenticate", `Bearer realm="ccflow admin"`)
	jsonFail(c, errUnauthorized(msg))
}

// adminPage reads ?limit= and ?offset=.
func adminPage(c *gin.Context) (admin.Page, error) {
	limit, err := intParam(c.Query("limit"), "limit", admin.DefaultLimit, 1, admin.MaxLimit)
	if err != nil {
		return admin.Page{}, err
	}
	offset, err := intParam(c.Query("offset"), "offset", 0, 0, 1<<31)
	if err != nil {
		return admin.Page{}, err
	}
	return admin.Page{Limit: int(limit), Offset: int(offset)}, nil
}

// adminList is the answer of every admin list.
type adminList struct {
	Items  []any `json:"items"`
	Total  int64 `json:"total"`
	Limit  int   `json:"limit"`
	Offset int   `json:"offset"`
}

// adminResource serves the routes of one admin resource from its store
// calls: ID is its key's type, M its model, N its create body, F its update body.
type adminResource[ID any, M any, N any, F any] struct {
	bind *binder
	// parseID reads the path's :id; false answers 404, since no such id can exist.
	parseID func(string) (ID, bool)
	what    string
	view    func(M) any
	// created is the create (and rotate) answer, which may show a secret once.
	created  func(M) any
	doCreate func(context.Context, N) (M, error)
	doGet    func(context.Context, ID) (M, error)
	doUpdate func(context.Context, ID, F) (M, error)
	doDelete func(context.Context, ID) (M, error)
	doList   func(context.Context, string, admin.Page) (admin.List[M], error)
	doRotate func(context.Context, ID) (M, error)
	// changed, when set, hears of every write, e.g. to drop a cache.
	changed func(M)
}

func (r *adminResource[ID, M, N, F]) id(c *gin.Context) (ID, bool) {
	id, ok := r.parseID(c.Param("id"))
	if !ok {
		jsonFail(c, &apiError{http.StatusNotFound, "404", "there is no " + r.what + " " + strconv.Quote(c.Param("id"))})
	}
	return id, ok
}

// wrote answers a successful write and tells changed.
func (r *adminResource[ID, M, N, F]) wrote(c *gin.Context, status int, m M, answer any) {
	if r.changed != nil {
		r.changed(m)
	}
	if answer == nil {
		c.Status(status)
		return
	}
	c.JSON(status, answer)
}

func (r *adminResource[ID, M, N, F]) create(c *gin.Context) {
	var in N
	if err := r.bind.jsonStrict(c, &in); err != nil {
		jsonFail(c, err)
		return
	}
	m, err := r.doCreate(c.Request.Context(), in)
	if err != nil {
		jsonFail(c, err)
		return
	}
	r.wrote(c, http.StatusCreated, m, r.created(m))
}

func (r *adminResource[ID, M, N, F]) get(c *gin.Context) {
	id, ok := r.id(c)
	if !ok {
		return
	}
	m, err := r.doGet(c.Request.Context(), id)
	if err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, r.view(m))
}

func (r *adminResource[ID, M, N, F]) update(c *gin.Context) {
	id, ok := r.id(c)
	if !ok {
		return
	}
	var in F
	if err := r.bind.jsonStrict(c, &in); err != nil {
		jsonFail(c, err)
		return
	}
	m, err := r.doUpdate(c.Request.Context(), id, in)
	if err != nil {
		jsonFail(c, err)
		return
	}
	r.wrote(c, http.StatusOK, m, r.view(m))
}

func (r *adminResource[ID, M, N, F]) remove(c *gin.Context) {
	id, ok := r.id(c)
	if !ok {
		return
	}
	m, err := r.doDelete(c.Request.Context(), id)
	if err != nil {
		jsonFail(c, err)
		return
	}
	r.wrote(c, http.StatusNoContent, m, nil)
}

func (r *adminResource[ID, M, N, F]) rotate(c *gin.Context) {
	id, ok := r.id(c)
	if !ok {
		return
	}
	m, err := r.doRotate(c.Request.Context(), id)
	if err != nil {
		jsonFail(c, err)
		return
	}
	r.wrote(c, http.StatusOK, m, r.created(m))
}

func (r *adminResource[ID, M, N, F]) list(c *gin.Context) {
	page, err := adminPage(c)
	if err != nil {
		jsonFail(c, err)
		return
	}
	rows, err := r.doList(c.Request.Context(), c.Query("tenantId"), page)
	if err != nil {
		jsonFail(c, err)
		return
	}
	out := adminList{Items: make([]any, 0, len(rows.Items)), Total: rows.Total, Limit: page.Limit, Offset: page.Offset}
	for _, m := range rows.Items {
		out.Items = append(out.Items, r.view(m))
	}
	c.JSON(http.StatusOK, out)
}

// stringID accepts any non-empty id; the store answers 404 for unknown ones.
func stringID(s string) (string, bool) { return s, s != "" }

// int64ID reads a positive decimal id.
func int64ID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// uint64ID reads a positive decimal id.
func uint64ID(s string) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}
