package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
)

const (
	crOtherTenant = "cr-other"
	crOtherKey    = "cr-other-key"
	crMember      = "visitor-1"
	crMember2     = "visitor-2"
	crDemoLogo    = "https://shop.example/demo.png"
)

// crBase is 2024-05-01 10:00:00 in UTC+8.
var crBase = time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)

type crEnv struct {
	db     *gorm.DB
	issuer *token.Issuer
	router *gin.Engine
}

func newCREnv(t *testing.T) *crEnv {
	t.Helper()
	db := demoDB(t)
	require.NoError(t, db.Model(&models.Tenant{}).Where("id = ?", models.DemoTenantID).Update("logo", crDemoLogo).Error)
	require.NoError(t, db.Create(&models.Tenant{
		ID: crOtherTenant, Name: "Other Shop", BusinessID: 4, AppID: "4004", VendorID: "other", SiteID: "web",
		Logo: "https://shop.example/other.png",
	}).Error)
	require.NoError(t, db.Create(&models.AppKey{Key: crOtherKey, TenantID: crOtherTenant, Secret: "s", Name: "other"}).Error)

	d := testDeps(db)
	e := &crEnv{db: db, issuer: newTestIssuer(t, db, newTestClock())}
	d.Tokens = e.issuer
	r := newEngine(d)
	auth := newAuthenticator(d, e.issuer, nil)
	// The lines routes.go declares for spec 004.
	chats := newChatRecordHandlers(d, &chatrecords.Store{DB: db})
	cr := r.Group("/chat-records", chats.visitor(auth))
	cr.GET("/list", chats.list)
	cr.POST("/create", limitPerVisitor(chatCreatePerVisitor, chatFail), chats.create)
	cr.POST("/delete", chats.delete)
	cr.GET("/chat-list", chats.chatList)
	e.router = r
	return e
}

func TestChatRecordCreateIsLimitedPerVisitor(t *testing.T) {
	e := newCREnv(t)
	h := e.headers(t, models.DemoTenantID, "visitor-1")
	create := func(h map[string]string) *httptest.ResponseRecorder {
		return serve(e.router, http.MethodPost, "/chat-records/create",
			`{"memberId":"visitor-1","sellerId":"demo","messageType":"RC:TxtMsg","cnt":"hi"}`, h)
	}
	for range chatCreatePerVisitor.burst {
		requireChatSuccess(t, create(h))
	}
	w := create(h)
	requireChatError(t, w, http.StatusTooManyRequests, "too many requests")
	require.Equal(t, "1", w.Header().Get("Retry-After"))
	var n int64
	require.NoError(t, e.db.Model(&models.ChatRecord{}).Where("user_id = ?", "visitor-1").Count(&n).Error)
	require.EqualValues(t, chatCreatePerVisitor.burst, n, "the refused record was not stored")
	other := e.headers(t, models.DemoTenantID, "visitor-2")
	w = serve(e.router, http.MethodPost, "/chat-records/create", `{"memberId":"visitor-2","sellerId":"demo","messageType":"RC:TxtMsg","cnt":"hi"}`, other)
	requireChatSuccess(t, w)
}

// headers are a ccmessaging-token alone for userID of tenant.
func (e *crEnv) headers(t *testing.T, tenant, userID string) map[string]string {
	t.Helper()
	claims := demoVisitor(userID)
	if tenant != models.DemoTenantID {
		claims.TenantID, claims.AppKey = tenant, crOtherKey
	}
	tok, err := e.issuer.IssueVisitor(claims, token.VisitorTTL)
	require.NoError(t, err)
	return map[string]string{VisitorTokenHeader: tok}
}

// insert adds n records of userID with tenant, a minute apart from at, and returns their ids.
func (e *crEnv) insert(t *testing.T, tenant, userID, rcType string, at time.Time, n int) []uint64 {
	t.Helper()
	ids := make([]uint64, n)
	// The records are a conversation's on the channel the tokens name.
	conv := models.Conversation{ID: "conv-" + tenant + "-" + userID, WorkflowID: "conv:" + userID, TenantID: tenant,
		ChannelConfigID: models.DemoChannelConfigID, UserID: userID, Settings: "{}", StartedAt: at, UpdatedAt: at}
	require.NoError(t, e.db.Where("id = ?", conv.ID).FirstOrCreate(&conv).Error)
	for i := range n {
		rec := models.ChatRecord{
			TenantID: tenant, ConversationID: conv.ID, UserID: userID, Seq: int64(i + 1),
			Direction: "to_service", SenderType: "CUSTOMER", SenderID: userID, MediaType: "TEXT", RCType: rcType,
			Content: fmt.Sprintf("%s message %d", userID, i), MessageCode: uuid.NewString(),
			CreatedAt: at.Add(time.Duration(i) * time.Minute),
		}
		require.NoError(t, e.db.Create(&rec).Error)
		ids[i] = rec.ID
	}
	return ids
}

type crPage struct {
	Items []struct {
		ID          uint64 `json:"id"`
		SellerID    string `json:"seller_id"`
		MemberID    string `json:"member_id"`
		AddTime     string `json:"addtime"`
		Cnt         string `json:"cnt"`
		MessageType string `json:"messageType"`
		ShopName    string `json:"shop_name"`
		Logo        string `json:"logo"`
	} `json:"items"`
	Links map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
	Meta struct {
		TotalCount  int64 `json:"totalCount"`
		PageCount   int64 `json:"pageCount"`
		CurrentPage int64 `json:"currentPage"`
		PerPage     int64 `json:"perPage"`
	} `json:"_meta"`
}

func (e *crEnv) list(t *testing.T, headers map[string]string, query string) crPage {
	t.Helper()
	w := serve(e.router, http.MethodGet, "/chat-records/list?"+query, "", headers)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var p crPage
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p), w.Body.String())
	return p
}

func (p crPage) ids() []uint64 {
	out := make([]uint64, len(p.Items))
	for i, it := range p.Items {
		out[i] = it.ID
	}
	return out
}

// requireChatError checks a {"result":"error","message":…} answer.
func requireChatError(t *testing.T, w *httptest.ResponseRecorder, status int, msg string) {
	t.Helper()
	require.Equal(t, status, w.Code, w.Body.String())
	var e struct {
		Result  string `json:"result"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
	require.Equal(t, "error", e.Result, w.Body.String())
	require.Contains(t, e.Message, msg)
}

func requireChatSuccess(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m))
	require.Equal(t, "success", m["result"], w.Body.String())
	return m
}

func hrefQuery(t *testing.T, href string) url.Values {
	t.Helper()
	u, err := url.Parse(href)
	require.NoError(t, err)
	require.Equal(t, "/chat-records/list", u.Path)
	require.False(t, u.IsAbs())
	return u.Query()
}

const crMine = "memberId=" + crMember + "&sellerId=" + models.DemoTenantID

func TestChatRecordsListPaging(t *testing.T) {
	e := newCREnv(t)
	ids := e.insert(t, models.DemoTenantID, crMember, "RC:TxtMsg", crBase, 60)
	e.insert(t, models.DemoTenantID, crMember2, "RC:TxtMsg", crBase, 3)
	e.insert(t, crOtherTenant, crMember, "RC:TxtMsg", crBase, 2)
	h := e.headers(t, models.DemoTenantID, crMember)

	p := e.list(t, h, crMine)
	require.Len(t, p.Items, 50)
	require.Equal(t, ids[59], p.Items[0].ID, "newest first")
	require.Equal(t, ids[10], p.Items[49].ID)
	first := p.Items[0]
	require.Equal(t, models.DemoTenantID, first.SellerID)
	require.Equal(t, crMember, first.MemberID)
	require.Equal(t, "2024-05-01 10:59:00", first.AddTime, "UTC+8")
	require.Equal(t, "visitor-1 message 59", first.Cnt)
	require.Equal(t, "RC:TxtMsg", first.MessageType)
	require.Equal(t, int64(60), p.Meta.TotalCount)
	require.Equal(t, int64(2), p.Meta.PageCount)
	require.Equal(t, int64(1), p.Meta.CurrentPage)
	require.Equal(t, int64(50), p.Meta.PerPage)
	require.Equal(t, "1", hrefQuery(t, p.Links["self"].Href).Get("page"))
	require.Equal(t, "1", hrefQuery(t, p.Links["first"].Href).Get("page"))
	require.Equal(t, "2", hrefQuery(t, p.Links["last"].Href).Get("page"))
	next := hrefQuery(t, p.Links["next"].Href)
	require.Equal(t, "2", next.Get("page"))
	require.Equal(t, crMember, next.Get("memberId"), "links keep the other parameters")
	require.Equal(t, models.DemoTenantID, next.Get("sellerId"))
	require.NotContains(t, p.Links, "prev")

	p = e.list(t, h, crMine+"&page=2")
	require.Len(t, p.Items, 10)
	require.Equal(t, ids[9], p.Items[0].ID)
	require.Equal(t, ids[0], p.Items[9].ID)
	require.Equal(t, int64(2), p.Meta.CurrentPage)
	require.Equal(t, "1", hrefQuery(t, p.Links["prev"].Href).Get("page"))
	require.NotContains(t, p.Links, "next")

	p = e.list(t, h, crMine+"&page=3")
	require.Empty(t, p.Items)
	require.NotNil(t, p.Items)
	require.Equal(t, int64(60), p.Meta.TotalCount)
	require.Equal(t, int64(2), p.Meta.PageCount)
	require.Equal(t, int64(3), p.Meta.CurrentPage)
	require.NotContains(t, p.Links, "next")
	require.Equal(t, "2", hrefQuery(t, p.Links["prev"].Href).Get("page"))

	p = e.list(t, h, crMine+"&pageSize=7&page=9")
	require.Len(t, p.Items, 4)
	require.Equal(t, int64(9), p.Meta.PageCount)
	require.Equal(t, int64(7), p.Meta.PerPage)
	require.Equal(t, "7", hrefQuery(t, p.Links["first"].Href).Get("pageSize"))
	require.NotContains(t, p.Links, "next")

	p = e.list(t, h, crMine+"&page=999999999999")
	require.Empty(t, p.Items)

	for _, q := range []string{"pageSize=0", "pageSize=101", "pageSize=x"} {
		requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+crMine+"&"+q, "", h),
			http.StatusBadRequest, "pageSize must be an integer from 1 to 100")
	}
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+crMine+"&page=0", "", h),
		http.StatusBadRequest, "page must be an integer of at least 1")
	p = e.list(t, h, crMine+"&pageSize=100")
	require.Len(t, p.Items, 60)
	require.Equal(t, int64(1), p.Meta.PageCount)
	require.NotContains(t, p.Links, "next")

	// A member with no records: zero pages, links still point at page 1.
	p = e.list(t, e.headers(t, models.DemoTenantID, "nobody"), "memberId=nobody&sellerId="+models.DemoTenantID)
	require.Empty(t, p.Items)
	require.Equal(t, int64(0), p.Meta.TotalCount)
	require.Equal(t, int64(0), p.Meta.PageCount)
	require.Equal(t, "1", hrefQuery(t, p.Links["last"].Href).Get("page"))
}

func TestChatRecordsListFilters(t *testing.T) {
	e := newCREnv(t)
	// Ten text records 10:00..10:09 (UTC+8), then two images 11:00, 11:01.
	txt := e.insert(t, models.DemoTenantID, crMember, "RC:TxtMsg", crBase, 10)
	img := e.insert(t, models.DemoTenantID, crMember, "RC:ImgMsg", crBase.Add(time.Hour), 2)
	other := e.insert(t, models.DemoTenantID, crMember2, "RC:TxtMsg", crBase, 1)
	h := e.headers(t, models.DemoTenantID, crMember)
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return crMine + "&" + v.Encode()
	}

	// Both bounds inclusive, in UTC+8.
	p := e.list(t, h, q("startTime", "2024-05-01 10:03:00", "endTime", "2024-05-01 10:05:00"))
	require.Equal(t, []uint64{txt[5], txt[4], txt[3]}, p.ids())
	// Unix seconds, mixed with the text format.
	start := strconv.FormatInt(crBase.Add(8*time.Minute).Unix(), 10)
	p = e.list(t, h, q("startTime", start, "endTime", "2024-05-01 11:00:00"))
	require.Equal(t, []uint64{img[0], txt[9], txt[8]}, p.ids())
	p = e.list(t, h, q("endTime", strconv.FormatInt(crBase.Add(time.Minute).Unix(), 10)))
	require.Equal(t, []uint64{txt[1], txt[0]}, p.ids())
	p = e.list(t, h, q("startTime", "2024-05-01 11:01:00"))
	require.Equal(t, []uint64{img[1]}, p.ids())
	// Same start and end: the one record of that second.
	p = e.list(t, h, q("startTime", "2024-05-01 10:02:00", "endTime", "2024-05-01 10:02:00"))
	require.Equal(t, []uint64{txt[2]}, p.ids())

	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+
		q("startTime", "2024-05-01 10:05:00", "endTime", "2024-05-01 10:03:00"), "", h),
		http.StatusBadRequest, "startTime must not be after endTime")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+q("startTime", "2024/05/01"), "", h),
		http.StatusBadRequest, "startTime must be")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+q("endTime", "yesterday"), "", h),
		http.StatusBadRequest, "endTime must be")

	// Type filter.
	p = e.list(t, h, q("messageType", "RC:ImgMsg"))
	require.Equal(t, []uint64{img[1], img[0]}, p.ids())
	require.Equal(t, int64(2), p.Meta.TotalCount)
	p = e.list(t, h, q("messageType", "RC:VcMsg"))
	require.Empty(t, p.Items)
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+q("messageType", "RC:Nope"), "", h),
		http.StatusBadRequest, "messageType must be one of RC:TxtMsg")

	// Id filter: one record, and only the member's own.
	p = e.list(t, h, q("id", strconv.FormatUint(txt[4], 10)))
	require.Equal(t, []uint64{txt[4]}, p.ids())
	p = e.list(t, h, q("id", strconv.FormatUint(other[0], 10)))
	require.Empty(t, p.Items)
	p = e.list(t, h, q("id", strconv.FormatUint(txt[4], 10), "messageType", "RC:ImgMsg"))
	require.Empty(t, p.Items)
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+q("id", "-1"), "", h),
		http.StatusBadRequest, "id must be a positive integer")
}

func TestChatRecordsAuth(t *testing.T) {
	e := newCREnv(t)
	e.insert(t, models.DemoTenantID, crMember2, "RC:TxtMsg", crBase, 1)
	h := e.headers(t, models.DemoTenantID, crMember)

	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+crMine, "", nil),
		http.StatusUnauthorized, "ccmessaging-token header is required")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+crMine, "", map[string]string{VisitorTokenHeader: "junk"}),
		http.StatusUnauthorized, "invalid ccmessaging-token")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?memberId="+crMember2+"&sellerId="+models.DemoTenantID, "", h),
		http.StatusForbidden, "the token belongs to another user")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?memberId="+crMember+"&sellerId="+crOtherTenant, "", h),
		http.StatusForbidden, "the token belongs to another seller")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?sellerId="+models.DemoTenantID, "", h),
		http.StatusBadRequest, "memberId is required")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?memberId="+crMember, "", h),
		http.StatusBadRequest, "sellerId is required")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?memberId="+strings.Repeat("m", 129)+"&sellerId=demo", "", h),
		http.StatusBadRequest, "memberId must be at most 128 characters")
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/chat-list?memberId="+crMember2, "", h),
		http.StatusForbidden, "the token belongs to another user")
	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/create",
		`{"memberId":"visitor-1","sellerId":"cr-other","messageType":"RC:TxtMsg","cnt":"hi"}`, h),
		http.StatusForbidden, "the token belongs to another seller")
	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/create",
		`{"memberId":"visitor-2","sellerId":"demo","messageType":"RC:TxtMsg","cnt":"hi"}`, h),
		http.StatusForbidden, "the token belongs to another user")
	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/delete", `{"memberId":"visitor-2","id":1}`, h),
		http.StatusForbidden, "the token belongs to another user")

	// The other tenant's token cannot read the demo tenant's records of the same user id.
	e.insert(t, models.DemoTenantID, crMember, "RC:TxtMsg", crBase, 2)
	ho := e.headers(t, crOtherTenant, crMember)
	p := e.list(t, ho, "memberId="+crMember+"&sellerId="+crOtherTenant)
	require.Empty(t, p.Items)
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/list?"+crMine, "", ho),
		http.StatusForbidden, "another seller")
}

func TestChatRecordsDelete(t *testing.T) {
	e := newCREnv(t)
	mine := e.insert(t, models.DemoTenantID, crMember, "RC:TxtMsg", crBase, 3)
	theirs := e.insert(t, models.DemoTenantID, crMember2, "RC:TxtMsg", crBase, 2)
	elsewhere := e.insert(t, crOtherTenant, crMember, "RC:TxtMsg", crBase, 1)
	h := e.headers(t, models.DemoTenantID, crMember)
	h2 := e.headers(t, models.DemoTenantID, crMember2)
	del := func(h map[string]string, member string, id uint64) *httptest.ResponseRecorder {
		return serve(e.router, http.MethodPost, "/chat-records/delete",
			fmt.Sprintf(`{"memberId":%q,"id":%d}`, member, id), h)
	}

	m := requireChatSuccess(t, del(h, crMember, mine[1]))
	require.Equal(t, "deleted", m["message"])
	require.Equal(t, []uint64{mine[2], mine[0]}, e.list(t, h, crMine).ids())
	// Twice is fine.
	requireChatSuccess(t, del(h, crMember, mine[1]))
	// The seller's copy stays.
	var row models.ChatRecord
	require.NoError(t, e.db.First(&row, mine[1]).Error)
	require.NotNil(t, row.DeletedByMemberAt)
	require.Nil(t, row.DeletedBySellerAt)

	// Another member's record, or the member's record with another seller, is not found.
	requireChatError(t, del(h, crMember, theirs[0]), http.StatusNotFound, "no such record")
	requireChatError(t, del(h, crMember, elsewhere[0]), http.StatusNotFound, "no such record")
	requireChatError(t, del(h, crMember, 1<<40), http.StatusNotFound, "no such record")
	require.Equal(t, []uint64{theirs[1], theirs[0]},
		e.list(t, h2, "memberId="+crMember2+"&sellerId="+models.DemoTenantID).ids(), "the other member's records are untouched")

	// The other member deleting their own record does not touch the first member's.
	requireChatSuccess(t, del(h2, crMember2, theirs[0]))
	require.Equal(t, []uint64{theirs[1]}, e.list(t, h2, "memberId="+crMember2+"&sellerId="+models.DemoTenantID).ids())
	require.Equal(t, []uint64{mine[2], mine[0]}, e.list(t, h, crMine).ids())

	// A form body works too.
	req := httptest.NewRequest(http.MethodPost, "/chat-records/delete",
		strings.NewReader(url.Values{"memberId": {crMember}, "id": {strconv.FormatUint(mine[0], 10)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(VisitorTokenHeader, h[VisitorTokenHeader])
	w := httptest.NewRecorder()
	e.router.ServeHTTP(w, req)
	requireChatSuccess(t, w)
	require.Equal(t, []uint64{mine[2]}, e.list(t, h, crMine).ids())

	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/delete", `{"memberId":"visitor-1"}`, h),
		http.StatusBadRequest, "id is required")
	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/delete", `{"memberId":"visitor-1","id":"x"}`, h),
		http.StatusBadRequest, "id must be a positive integer")
	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/delete", `[1]`, h),
		http.StatusBadRequest, "request body must be a JSON object")
	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/delete", `{"memberId":true,"id":1}`, h),
		http.StatusBadRequest, "memberId must be a string or a number")
}

func TestChatRecordsCreate(t *testing.T) {
	e := newCREnv(t)
	h := e.headers(t, models.DemoTenantID, crMember)
	create := func(body string) *httptest.ResponseRecorder {
		return serve(e.router, http.MethodPost, "/chat-records/create", body, h)
	}

	before := time.Now().UTC().Add(-time.Second)
	m := requireChatSuccess(t, create(`{"memberId":"visitor-1","sellerId":"demo","messageType":"RC:ImgMsg","cnt":"https://img.example/1.png"}`))
	id := uint64(m["id"].(float64))
	require.NotZero(t, id)

	var row models.ChatRecord
	require.NoError(t, e.db.First(&row, id).Error)
	require.Equal(t, models.DemoTenantID, row.TenantID)
	require.Equal(t, crMember, row.UserID)
	require.Equal(t, "to_service", row.Direction)
	require.Equal(t, "CUSTOMER", row.SenderType)
	require.Equal(t, crMember, row.SenderID)
	require.Equal(t, "IMAGE", row.MediaType)
	require.Equal(t, "RC:ImgMsg", row.RCType)
	require.Equal(t, "", row.ConversationID)
	require.Equal(t, int64(0), row.Seq)
	_, err := uuid.Parse(row.MessageCode)
	require.NoError(t, err)
	require.WithinRange(t, row.CreatedAt, before, time.Now().UTC().Add(time.Second))

	// A form body.
	req := httptest.NewRequest(http.MethodPost, "/chat-records/create", strings.NewReader(url.Values{
		"memberId": {crMember}, "sellerId": {models.DemoTenantID}, "messageType": {"RC:TxtMsg"}, "cnt": {"你好"},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(VisitorTokenHeader, h[VisitorTokenHeader])
	w := httptest.NewRecorder()
	e.router.ServeHTTP(w, req)
	id2 := uint64(requireChatSuccess(t, w)["id"].(float64))
	require.Greater(t, id2, id)

	p := e.list(t, h, crMine)
	require.Equal(t, []uint64{id2, id}, p.ids())
	require.Equal(t, "你好", p.Items[0].Cnt)
	require.Equal(t, "RC:TxtMsg", p.Items[0].MessageType)
	require.Equal(t, "RC:ImgMsg", p.Items[1].MessageType)
	require.Equal(t, row.CreatedAt.In(chatZone).Format(chatTimeLayout), p.Items[1].AddTime)

	requireChatError(t, create(`{"memberId":"visitor-1","sellerId":"demo","messageType":"RC:Nope","cnt":"x"}`),
		http.StatusBadRequest, "messageType must be one of")
	requireChatError(t, create(`{"memberId":"visitor-1","sellerId":"demo","cnt":"x"}`),
		http.StatusBadRequest, "messageType is required")
	requireChatError(t, create(`{"memberId":"visitor-1","sellerId":"demo","messageType":"RC:TxtMsg"}`),
		http.StatusBadRequest, "cnt is required")
	requireChatError(t, create(`{"memberId":"visitor-1","sellerId":"demo","messageType":"RC:TxtMsg","cnt":"`+strings.Repeat("字", 2001)+`"}`),
		http.StatusBadRequest, "cnt must be at most 2000 characters")
	requireChatSuccess(t, create(`{"memberId":"visitor-1","sellerId":"demo","messageType":"RC:TxtMsg","cnt":"`+strings.Repeat("字", 2000)+`"}`))
	requireChatError(t, create(`{"memberId":`), http.StatusBadRequest, "request body must be a JSON object")
	requireChatError(t, serve(e.router, http.MethodPost, "/chat-records/create", "", h),
		http.StatusBadRequest, "memberId is required")
	// A wrong method is the engine's 405, as on every route.
	require.Equal(t, http.StatusMethodNotAllowed, serve(e.router, http.MethodGet, "/chat-records/create", "", h).Code)
}

func TestChatRecordsCreateNumericMember(t *testing.T) {
	e := newCREnv(t)
	h := e.headers(t, models.DemoTenantID, "1024")
	// The spec types memberId as an int: a JSON number is read as its digits.
	requireChatSuccess(t, serve(e.router, http.MethodPost, "/chat-records/create",
		`{"memberId":1024,"sellerId":"demo","messageType":"RC:TxtMsg","cnt":"hi"}`, h))
	p := e.list(t, h, "memberId=1024&sellerId=demo")
	require.Len(t, p.Items, 1)
	require.Equal(t, "1024", p.Items[0].MemberID)
}

func TestChatRecordsChatList(t *testing.T) {
	e := newCREnv(t)
	mine := e.insert(t, models.DemoTenantID, crMember, "RC:TxtMsg", crBase, 3)
	e.insert(t, models.DemoTenantID, crMember2, "RC:TxtMsg", crBase.Add(time.Hour), 2)
	e.insert(t, crOtherTenant, crMember, "RC:TxtMsg", crBase.Add(time.Hour), 1)
	h := e.headers(t, models.DemoTenantID, crMember)
	chatList := func(h map[string]string, member string) crPage {
		w := serve(e.router, http.MethodGet, "/chat-records/chat-list?memberId="+member, "", h)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var p crPage
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p), w.Body.String())
		return p
	}

	p := chatList(h, crMember)
	require.Len(t, p.Items, 1, "a visitor token lists only its own seller")
	it := p.Items[0]
	require.Equal(t, mine[2], it.ID)
	require.Equal(t, models.DemoTenantID, it.SellerID)
	require.Equal(t, crMember, it.MemberID)
	require.Equal(t, "2024-05-01 10:02:00", it.AddTime)
	require.Equal(t, "visitor-1 message 2", it.Cnt)
	require.Equal(t, "RC:TxtMsg", it.MessageType)
	require.Equal(t, "Demo Shop", it.ShopName)
	require.Equal(t, crDemoLogo, it.Logo)

	// After the member deletes the latest record, the one before it is the latest.
	requireChatSuccess(t, serve(e.router, http.MethodPost, "/chat-records/delete",
		fmt.Sprintf(`{"memberId":"visitor-1","id":%d}`, mine[2]), h))
	require.Equal(t, []uint64{mine[1]}, chatList(h, crMember).ids())

	// The same user id with the other seller sees only that seller.
	p = chatList(e.headers(t, crOtherTenant, crMember), crMember)
	require.Len(t, p.Items, 1)
	require.Equal(t, "Other Shop", p.Items[0].ShopName)
	require.Equal(t, "https://shop.example/other.png", p.Items[0].Logo)

	p = chatList(e.headers(t, models.DemoTenantID, "nobody"), "nobody")
	require.NotNil(t, p.Items)
	require.Empty(t, p.Items)
	requireChatError(t, serve(e.router, http.MethodGet, "/chat-records/chat-list", "", h),
		http.StatusBadRequest, "memberId is required")
}
