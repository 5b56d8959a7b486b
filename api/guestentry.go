package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/ccflow/ccflow/internal/ratelimit"
	"github.com/ccflow/ccflow/internal/webentry"
)

// guestEntryPath is spec 000's guest entry.
const guestEntryPath = "/usr/guest/message/new"

// Spec 000's headers.
const (
	langHeader = "lang"
	roleHeader = "role"
	// guestRole is the one role spec 000 documents.
	guestRole = "MOBILE"
)

// guestBodyLimit bounds the guest entry's body: seven short strings.
const guestBodyLimit = 8 << 10

// Guest entries per client address: an app asks once per chat it opens, so
// twenty a minute with bursts of ten never slows a person and stops a script
// from filling the key table.
const (
	guestEntriesPerMinute = 20
	guestEntryBurst       = 10
)

// exceptionCode values of the guest entry; spec 000 shows only 0.
const (
	guestExOK          = 0
	guestExLang        = 1001
	guestExRole        = 1002
	guestExBody        = 1003
	guestExParam       = 1004
	guestExSite        = 1005
	guestExClosed      = 1006
	guestExTooLarge    = 1007
	guestExTooMany     = 1008
	guestExServerError = 1009
	// guestExNoPath answers a path or method under /usr/ that does not exist.
	guestExNoPath = 1010
)

// Field limits of spec 000's body, which gives only types: ids as long as a
// tenant's vendorId/siteId columns, a display name a chat header can show.
const (
	maxGuestIDLen   = 64
	maxGuestNameLen = 64
	maxHostLen      = 253
)

var (
	// phonePattern: 5 to 20 digits, a leading + and single separators allowed.
	phonePattern = regexp.MustCompile(`^\+?[0-9](?:[ -]?[0-9]){4,19}$`)
	qqPattern    = regexp.MustCompile(`^[1-9][0-9]{4,11}$`)
	// wechatPattern is WeChat's account rule, or a phone number, which
	// WeChat also finds people by.
	wechatPattern = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9_-]{5,19}|\+?[0-9]{5,20})$`)
	hostLabel     = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

// guestRequest is spec 000's body.
type guestRequest struct {
	VendorID    string `json:"vendorId"`
	SiteID      string `json:"siteId"`
	Name        string `json:"name"`
	PhoneNumber string `json:"phoneNumber"`
	QQ          string `json:"qq"`
	Wechat      string `json:"wechat"`
	ClientHost  string `json:"client_host"`
}

// guestContact is what the guest told about themselves beyond their name,
// kept with the web key.
type guestContact struct {
	PhoneNumber string `json:"phoneNumber,omitempty"`
	QQ          string `json:"qq,omitempty"`
	Wechat      string `json:"wechat,omitempty"`
	ClientHost  string `json:"clientHost"`
}

// guestResponse is spec 000's envelope. token is always null, as in the
// spec's sample; data is the chat page's URL on success and null otherwise.
type guestResponse struct {
	Code          int     `json:"code"`
	ExceptionCode int     `json:"exceptionCode"`
	Message       string  `json:"message"`
	Token         *string `json:"token"`
	Data          *string `json:"data"`
	ResourceKey   string  `json:"resourceKey"`
	IsOK          bool    `json:"isOK"`
}

// guestProblem is a refusal of the guest entry: the apiError classify sees,
// plus the exception code and the texts to answer in the caller's language.
type guestProblem struct {
	api       *apiError
	exception int
	resource  string
	msgs      []guestMessage
}

func (p *guestProblem) Error() string { return p.api.desc }
func (p *guestProblem) Unwrap() error { return p.api }

// newGuestProblem builds a refusal; its English text goes to the access log.
func newGuestProblem(status, exception int, resource string, msgs ...guestMessage) *guestProblem {
	return &guestProblem{
		api:       &apiError{status, fmt.Sprint(status), joinIn(langEnUS, msgs)},
		exception: exception, resource: "api.response.code." + resource, msgs: msgs,
	}
}

func newGuestEntryLimiter() gin.HandlerFunc {
	l := ratelimit.New(rate.Every(time.Minute/guestEntriesPerMinute), guestEntryBurst, 10*time.Minute)
	return l.PerClientIP(func(c *gin.Context, wait time.Duration) {
		lang, _ := parseGuestLang(c.GetHeader(langHeader))
		guestFail(c, lang, tooMany(c, wait))
	})
}

// guestEntry answers spec 000: the URL of the customer chat page, carrying a
// single-use key that opens a session for this guest on the site's tenant.
func (h *webEntryHandlers) guestEntry(c *gin.Context) {
	lang, ok := parseGuestLang(c.GetHeader(langHeader))
	if !ok {
		guestFail(c, lang, newGuestProblem(http.StatusBadRequest, guestExLang, "langInvalid",
			guestMessage{gtLang, []any{c.GetHeader(langHeader)}}))
		return
	}
	if err := checkGuestRole(c.GetHeader(roleHeader)); err != nil {
		guestFail(c, lang, err)
		return
	}
	req, err := decodeGuest(c)
	if err != nil {
		guestFail(c, lang, err)
		return
	}
	ctx := c.Request.Context()
	tg, err := h.d.WebKeys.GuestTarget(ctx, req.VendorID, req.SiteID)
	switch {
	case errors.Is(err, webentry.ErrUnknownSite):
		err = newGuestProblem(http.StatusNotFound, guestExSite, "siteNotFound", guestMessage{gtSite, []any{req.VendorID, req.SiteID}})
	case errors.Is(err, webentry.ErrNoWebChat):
		err = newGuestProblem(http.StatusNotFound, guestExClosed, "siteClosed", guestMessage{text: gtClosed})
	}
	if err != nil {
		guestFail(c, lang, err)
		return
	}
	key, err := h.mintGuestKey(c, tg, req, lang)
	if err != nil {
		guestFail(c, lang, err)
		return
	}
	link := chatURL(h.d.Settings.PublicURL, key)
	noStore(c)
	c.JSON(http.StatusOK, guestResponse{
		Code: http.StatusOK, ExceptionCode: guestExOK, Message: gtOK.in(lang), Data: &link,
		ResourceKey: "api.response.code.getSuccess", IsOK: true,
	})
}

// mintGuestKey creates the key for a new guest user of tg.
func (h *webEntryHandlers) mintGuestKey(c *gin.Context, tg webentry.Target, req guestRequest, lang guestLang) (string, error) {
	userID, err := webentry.NewGuestID()
	if err != nil {
		return "", err
	}
	contact, err := json.Marshal(guestContact{PhoneNumber: req.PhoneNumber, QQ: req.QQ, Wechat: req.Wechat, ClientHost: req.ClientHost})
	if err != nil {
		return "", fmt.Errorf("encode guest contact: %w", err)
	}
	key, _, err := h.d.WebKeys.Create(c.Request.Context(), webentry.Grant{
		Source: webentry.SourceGuest, TenantID: tg.TenantID, AppKey: tg.AppKey, ChannelConfigID: tg.ChannelConfigID,
		UserID: userID, UserName: req.Name, SkillGroupID: tg.SkillGroupID, Locale: lang.locale(), Contact: string(contact),
	})
	if err != nil {
		return "", err
	}
	h.pruneKeys(c)
	return key, nil
}

func checkGuestRole(role string) error {
	role = strings.TrimSpace(role)
	if role == "" {
		return newGuestProblem(http.StatusBadRequest, guestExRole, "roleInvalid", guestMessage{text: gtRoleMissing})
	}
	if !strings.EqualFold(role, guestRole) {
		return newGuestProblem(http.StatusBadRequest, guestExRole, "roleInvalid", guestMessage{gtRole, []any{role}})
	}
	return nil
}

// decodeGuest reads and validates spec 000's body; every problem is named.
func decodeGuest(c *gin.Context) (guestRequest, error) {
	var req guestRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, guestBodyLimit))
	err := dec.Decode(&req)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON object")
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return req, newGuestProblem(http.StatusRequestEntityTooLarge, guestExTooLarge, "bodyTooLarge", guestMessage{gtTooLarge, []any{tooBig.Limit}})
	}
	if err != nil {
		return req, newGuestProblem(http.StatusBadRequest, guestExBody, "bodyInvalid", guestMessage{text: gtBody})
	}
	for _, f := range []*string{&req.VendorID, &req.SiteID, &req.Name, &req.PhoneNumber, &req.QQ, &req.Wechat, &req.ClientHost} {
		*f = strings.TrimSpace(*f)
	}
	req.ClientHost = strings.ToLower(req.ClientHost)
	var msgs []guestMessage
	msgs = checkGuestText(msgs, "vendorId", req.VendorID, maxGuestIDLen)
	msgs = checkGuestText(msgs, "siteId", req.SiteID, maxGuestIDLen)
	msgs = checkGuestText(msgs, "name", req.Name, maxGuestNameLen)
	if req.PhoneNumber != "" && !phonePattern.MatchString(req.PhoneNumber) {
		msgs = append(msgs, guestMessage{text: gtPhone})
	}
	if req.QQ != "" && !qqPattern.MatchString(req.QQ) {
		msgs = append(msgs, guestMessage{text: gtQQ})
	}
	if req.Wechat != "" && !wechatPattern.MatchString(req.Wechat) {
		msgs = append(msgs, guestMessage{text: gtWechat})
	}
	switch {
	case req.ClientHost == "":
		msgs = append(msgs, guestMessage{gtRequired, []any{"client_host"}})
	case !isHostname(req.ClientHost):
		msgs = append(msgs, guestMessage{text: gtHost})
	}
	if len(msgs) > 0 {
		return req, newGuestProblem(http.StatusBadRequest, guestExParam, "paramInvalid", msgs...)
	}
	return req, nil
}

// checkGuestText checks a required one-line text field.
func checkGuestText(msgs []guestMessage, field, v string, maxLen int) []guestMessage {
	switch {
	case v == "":
		return append(msgs, guestMessage{gtRequired, []any{field}})
	case utf8.RuneCountInString(v) > maxLen:
		return append(msgs, guestMessage{gtTooLong, []any{field, maxLen}})
	case strings.IndexFunc(v, unicode.IsControl) >= 0 || !utf8.ValidString(v):
		return append(msgs, guestMessage{gtOneLine, []any{field}})
	}
	return msgs
}

// isHostname accepts an RFC 1123 host name (lower-cased): dot-separated
// labels of letters, digits and inner hyphens.
func isHostname(h string) bool {
	if len(h) > maxHostLen {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if !hostLabel.MatchString(label) {
			return false
		}
	}
	return true
}

// guestFail answers err in spec 000's envelope, in lang.
func guestFail(c *gin.Context, lang guestLang, err error) {
	ae := classify(c, err)
	var p *guestProblem
	if !errors.As(err, &p) {
		p = genericGuestProblem(c, ae)
	}
	c.AbortWithStatusJSON(ae.status, guestResponse{
		Code: ae.status, ExceptionCode: p.exception, Message: joinIn(lang, p.msgs), ResourceKey: p.resource,
	})
}

// genericGuestProblem words the failures every route shares (limits, outages)
// in the guest entry's terms.
func genericGuestProblem(c *gin.Context, ae *apiError) *guestProblem {
	switch ae.status {
	case http.StatusTooManyRequests:
		return newGuestProblem(ae.status, guestExTooMany, "tooManyRequests", guestMessage{gtTooMany, []any{c.Writer.Header().Get("Retry-After")}})
	case http.StatusRequestEntityTooLarge:
		return newGuestProblem(ae.status, guestExTooLarge, "bodyTooLarge", guestMessage{gtTooLarge, []any{guestBodyLimit}})
	case http.StatusServiceUnavailable:
		return newGuestProblem(ae.status, guestExServerError, "serverError", guestMessage{text: gtUnavailable})
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return newGuestProblem(ae.status, guestExNoPath, "pathNotFound", guestMessage{text: gtNoPath})
	}
	return newGuestProblem(ae.status, guestExServerError, "serverError", guestMessage{gtInternal, []any{c.GetString(requestIDKey)}})
}

// chatURL is the chat page's address with key under the configured public
// base URL (CCFLOW_PUBLIC_URL). Never the request's Host header: anybody can
// send any Host, and a link built from it would send visitors, and their key,
// to the sender's site.
func chatURL(base, key string) string {
	if base == "" {
		base = defaultPublicURL
	}
	return strings.TrimRight(base, "/") + chatPagePath + "?" + url.Values{"key": {key}}.Encode()
}
