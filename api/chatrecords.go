package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
)

// Spec 004's chat records: a member (the visitor of a ccmessaging-token) lists,
// adds and deletes their records with a seller (the token's tenant).
//
// Every answer of these routes that is not a success, authentication
// included, is {"result":"error","message":…} with the HTTP status that fits.

const (
	chatDefaultPageSize = 50
	chatMaxPageSize     = 100
	chatMaxContent      = 2000
	chatMaxMemberID     = 128
	chatMaxSellerID     = 64
	// chatTimeLayout is spec 004's time format, read and written in chatZone.
	chatTimeLayout = "2006-01-02 15:04:05"
)

// chatZone is UTC+8 (Asia/Shanghai, the spec's audience). China has kept no
// daylight saving time since 1991, so a fixed zone needs no tzdata.
var chatZone = time.FixedZone("UTC+8", 8*60*60)

// chatMediaTypes lists spec 004's message types and the media type each is stored with.
var chatMediaTypes = map[string]string{
	"RC:TxtMsg":     "TEXT",
	"RC:ImgMsg":     "IMAGE",
	"RC:VcMsg":      "AUDIO",
	"RC:ImgTextMsg": "TEXT",
	"RC:LBSMsg":     "LOCATE",
	"RC:ContactNtf": "TEXT",
	"RC:InfoNtf":    "TEXT",
	"RC:ProfileNtf": "TEXT",
	"RC:CmdNtf":     "TEXT",
	"RC:HsMsg":      "TEXT",
	"RC:SpMsg":      "TEXT",
}

const chatTypeList = "RC:TxtMsg, RC:ImgMsg, RC:VcMsg, RC:ImgTextMsg, RC:LBSMsg, RC:ContactNtf, " +
	"RC:InfoNtf, RC:ProfileNtf, RC:CmdNtf, RC:HsMsg, RC:SpMsg"

type chatRecordHandlers struct {
	d     Deps
	store *chatrecords.Store
	now   func() time.Time
}

func newChatRecordHandlers(d Deps, store *chatrecords.Store) *chatRecordHandlers {
	return &chatRecordHandlers{d: d, store: store, now: time.Now}
}

// visitor is auth.visitor(visitorOpts{}) answering failures in these routes' envelope.
func (h *chatRecordHandlers) visitor(a *authenticator) gin.HandlerFunc {
	return func(c *gin.Context) {
		claims, err := a.authenticate(c, visitorOpts{})
		if err != nil {
			chatFail(c, err)
			return
		}
		c.Set(visitorClaimsKey, claims)
		c.Next()
	}
}

// chatFail answers err as {"result":"error","message":…}, spec 004's envelope.
func chatFail(c *gin.Context, err error) {
	ae := classify(c, err)
	c.AbortWithStatusJSON(ae.status, gin.H{"result": "error", "message": ae.desc})
}

// chatItem is one record as spec 004 answers it.
type chatItem struct {
	ID          uint64 `json:"id"`
	SellerID    string `json:"seller_id"`
	MemberID    string `json:"member_id"`
	AddTime     string `json:"addtime"`
	Cnt         string `json:"cnt"`
	MessageType string `json:"messageType"`
}

func toChatItem(r models.ChatRecord) chatItem {
	return chatItem{
		ID: r.ID, SellerID: r.TenantID, MemberID: r.UserID,
		AddTime: r.CreatedAt.In(chatZone).Format(chatTimeLayout), Cnt: r.Content, MessageType: r.RCType,
	}
}

// chatListItem is a chat-list row: the latest record with a seller and the seller's shop.
type chatListItem struct {
	chatItem
	ShopName string `json:"shop_name"`
	Logo     string `json:"logo"`
}

type chatLink struct {
	Href string `json:"href"`
}

type chatMeta struct {
	TotalCount  int64 `json:"totalCount"`
	PageCount   int64 `json:"pageCount"`
	CurrentPage int64 `json:"currentPage"`
	PerPage     int64 `json:"perPage"`
}

type chatPage struct {
	Items []chatItem          `json:"items"`
	Links map[string]chatLink `json:"_links"`
	Meta  chatMeta            `json:"_meta"`
}

// list is GET /chat-records/list.
func (h *chatRecordHandlers) list(c *gin.Context) {
	claims := visitorFrom(c)
	q := c.Request.URL.Query()
	if err := checkMember(claims, q.Get("memberId")); err != nil {
		chatFail(c, err)
		return
	}
	if err := checkSeller(claims, q.Get("sellerId")); err != nil {
		chatFail(c, err)
		return
	}
	f := chatrecords.Filter{Member: memberOf(claims)}
	if t := q.Get("messageType"); t != "" {
		if _, ok := chatMediaTypes[t]; !ok {
			chatFail(c, errBadRequest("messageType must be one of "+chatTypeList))
			return
		}
		f.RCType = t
	}
	start, err := parseChatTime("startTime", q.Get("startTime"))
	if err != nil {
		chatFail(c, err)
		return
	}
	end, err := parseChatTime("endTime", q.Get("endTime"))
	if err != nil {
		chatFail(c, err)
		return
	}
	if start != nil && end != nil && start.After(*end) {
		chatFail(c, errBadRequest("startTime must not be after endTime"))
		return
	}
	f.From = start
	if end != nil {
		// endTime names a whole second, which the range includes.
		to := end.Add(time.Second)
		f.To = &to
	}
	if s := q.Get("id"); s != "" {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 {
			chatFail(c, errBadRequest("id must be a positive integer"))
			return
		}
		f.ID = id
	}
	pageSize, err := intParam(q.Get("pageSize"), "pageSize", chatDefaultPageSize, 1, chatMaxPageSize)
	if err != nil {
		chatFail(c, err)
		return
	}
	page, err := intParam(q.Get("page"), "page", 1, 1, 0)
	if err != nil {
		chatFail(c, err)
		return
	}
	offset := (page - 1) * pageSize
	if page > (1<<31)/pageSize {
		// Far past any end: no offset overflow, and certainly an empty page.
		offset = 1 << 31
	}
	rows, total, err := h.store.List(c.Request.Context(), f, int(offset), int(pageSize))
	if err != nil {
		chatFail(c, err)
		return
	}
	items := make([]chatItem, 0, len(rows))
	for _, r := range rows {
		items = append(items, toChatItem(r))
	}
	pageCount := (total + pageSize - 1) / pageSize
	c.JSON(http.StatusOK, chatPage{
		Items: items,
		Links: chatLinks(c.Request.URL, page, pageCount),
		Meta:  chatMeta{TotalCount: total, PageCount: pageCount, CurrentPage: page, PerPage: pageSize},
	})
}

// chatLinks are Yii2's pagination links: relative URLs of this request with only page changed.
func chatLinks(u *url.URL, page, pageCount int64) map[string]chatLink {
	href := func(p int64) chatLink {
		q := u.Query()
		q.Set("page", strconv.FormatInt(p, 10))
		return chatLink{Href: u.Path + "?" + q.Encode()}
	}
	last := max(pageCount, 1)
	links := map[string]chatLink{"self": href(page), "first": href(1), "last": href(last)}
	if page > 1 {
		links["prev"] = href(page - 1)
	}
	if page < pageCount {
		links["next"] = href(page + 1)
	}
	return links
}

// chatCreateForm is POST /chat-records/create's body.
type chatCreateForm struct {
	MemberID, SellerID, MessageType, Cnt string
}

// create is POST /chat-records/create.
func (h *chatRecordHandlers) create(c *gin.Context) {
	claims := visitorFrom(c)
	body, err := chatBody(c, "memberId", "sellerId", "messageType", "cnt")
	if err != nil {
		chatFail(c, err)
		return
	}
	in := chatCreateForm{MemberID: body["memberId"], SellerID: body["sellerId"], MessageType: body["messageType"], Cnt: body["cnt"]}
	if err := checkMember(claims, in.MemberID); err != nil {
		chatFail(c, err)
		return
	}
	if err := checkSeller(claims, in.SellerID); err != nil {
		chatFail(c, err)
		return
	}
	media, ok := chatMediaTypes[in.MessageType]
	switch {
	case in.MessageType == "":
		chatFail(c, errBadRequest("messageType is required"))
		return
	case !ok:
		chatFail(c, errBadRequest("messageType must be one of "+chatTypeList))
		return
	case in.Cnt == "":
		chatFail(c, errBadRequest("cnt is required"))
		return
	case utf8.RuneCountInString(in.Cnt) > chatMaxContent:
		chatFail(c, errBadRequest(fmt.Sprintf("cnt must be at most %d characters", chatMaxContent)))
		return
	}
	rec := models.ChatRecord{
		TenantID: claims.TenantID, ChannelConfigID: claims.ChannelConfigID, UserID: claims.UserID, Direction: "to_service", SenderType: "CUSTOMER",
		SenderID: claims.UserID, MediaType: media, RCType: in.MessageType, Content: in.Cnt,
		MessageCode: uuid.NewString(), CreatedAt: h.now().UTC().Truncate(time.Millisecond),
	}
	if err := h.store.Create(c.Request.Context(), &rec); err != nil {
		chatFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"result": "success", "message": "created", "id": rec.ID})
}

// delete is POST /chat-records/delete: the member's soft delete.
func (h *chatRecordHandlers) delete(c *gin.Context) {
	claims := visitorFrom(c)
	body, err := chatBody(c, "memberId", "id")
	if err != nil {
		chatFail(c, err)
		return
	}
	if err := checkMember(claims, body["memberId"]); err != nil {
		chatFail(c, err)
		return
	}
	if body["id"] == "" {
		chatFail(c, errBadRequest("id is required"))
		return
	}
	id, err := strconv.ParseUint(body["id"], 10, 64)
	if err != nil || id == 0 {
		chatFail(c, errBadRequest("id must be a positive integer"))
		return
	}
	err = h.store.DeleteForMember(c.Request.Context(), memberOf(claims), id, h.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		chatFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"result": "success", "message": "deleted"})
}

// chatList is GET /chat-records/chat-list: the latest record per seller. A
// visitor token is bound to one seller and channel, so that is the only one listed.
func (h *chatRecordHandlers) chatList(c *gin.Context) {
	claims := visitorFrom(c)
	if err := checkMember(claims, c.Query("memberId")); err != nil {
		chatFail(c, err)
		return
	}
	convs, err := h.store.Latest(c.Request.Context(), memberOf(claims))
	if err != nil {
		chatFail(c, err)
		return
	}
	items := make([]chatListItem, 0, len(convs))
	for _, cv := range convs {
		items = append(items, chatListItem{chatItem: toChatItem(cv.Record), ShopName: cv.ShopName, Logo: cv.Logo})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// memberOf is the member a token names: its user on its channel of its tenant.
func memberOf(claims token.VisitorClaims) chatrecords.Member {
	return chatrecords.Member{TenantID: claims.TenantID, ChannelConfigID: claims.ChannelConfigID, UserID: claims.UserID}
}

// checkMember requires memberId and that it is the token's user.
func checkMember(claims token.VisitorClaims, memberID string) error {
	switch {
	case memberID == "":
		return errBadRequest("memberId is required")
	case len(memberID) > chatMaxMemberID:
		return errBadRequest(fmt.Sprintf("memberId must be at most %d characters", chatMaxMemberID))
	}
	return requireSameUser(claims, memberID)
}

// checkSeller requires sellerId and that it is the token's tenant.
func checkSeller(claims token.VisitorClaims, sellerID string) error {
	switch {
	case sellerID == "":
		return errBadRequest("sellerId is required")
	case len(sellerID) > chatMaxSellerID:
		return errBadRequest(fmt.Sprintf("sellerId must be at most %d characters", chatMaxSellerID))
	case claims.TenantID == "" || claims.TenantID != sellerID:
		return errForbidden("the token belongs to another seller")
	}
	return nil
}

// parseChatTime reads "2006-01-02 15:04:05" in UTC+8 or unix seconds; "" is no bound.
func parseChatTime(name, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 253402300799 {
			return nil, errBadRequest(name + " is out of range")
		}
		t := time.Unix(n, 0).UTC()
		return &t, nil
	}
	t, err := time.ParseInLocation(chatTimeLayout, strings.TrimSpace(s), chatZone)
	if err != nil {
		return nil, errBadRequest(name + ` must be "YYYY-MM-DD HH:MM:SS" (UTC+8) or unix seconds`)
	}
	t = t.UTC()
	return &t, nil
}

// intParam reads an integer query parameter; hi 0 is no upper bound.
func intParam(s, name string, def, lo, hi int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case hi > 0 && (err != nil || n < lo || n > hi):
		return 0, errBadRequest(fmt.Sprintf("%s must be an integer from %d to %d", name, lo, hi))
	case err != nil || n < lo:
		return 0, errBadRequest(fmt.Sprintf("%s must be an integer of at least %d", name, lo))
	}
	return n, nil
}

// chatBody reads fields from a JSON object (strings or numbers) or a form body.
func chatBody(c *gin.Context, fields ...string) (map[string]string, error) {
	out := make(map[string]string, len(fields))
	if c.ContentType() != gin.MIMEJSON {
		if err := c.Request.ParseMultipartForm(maxBodyBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return nil, bodyError(err)
		}
		for _, f := range fields {
			out[f] = c.Request.PostForm.Get(f)
		}
		return out, nil
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(c.Request.Body)
	if err := dec.Decode(&raw); err != nil {
		return nil, bodyError(err)
	}
	if raw == nil {
		return nil, errBadRequest("request body must be a JSON object")
	}
	for _, f := range fields {
		v, ok := raw[f]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[f] = s
			continue
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			out[f] = n.String()
			continue
		}
		return nil, errBadRequest(f + " must be a string or a number")
	}
	return out, nil
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &apiError{http.StatusRequestEntityTooLarge, "413", fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	case errors.Is(err, io.EOF):
		return errBadRequest("request body is empty")
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errBadRequest("request body must be a JSON object")
	}
	return errBadRequest("invalid request body")
}
