package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/ccflow/ccflow/internal/ratelimit"
	"github.com/ccflow/ccflow/internal/webentry"
)

// visitorEntryPath is spec 001's "user connects to the customer service system".
const visitorEntryPath = "/index/index/home"

// visitorCookie is the browser's own random id (never shown as a user id):
// an unsigned visitor's user id is derived from it and the claimed
// visiter_id, so a browser that comes back is the same visitor and finds its
// conversation again, and no other browser can be.
const (
	visitorCookie       = "ccflow_vid"
	visitorCookieMaxAge = 365 * 24 * 60 * 60
)

// Limits of spec 001's parameters, which gives only types: ids and names as
// long as the conversation's columns, an avatar URL as long as an agent's.
const (
	maxVisitorIDLen   = 128
	maxVisitorNameLen = 64
	maxAvatarLen      = 512
)

// Visitor entries per client address: a page load each, so thirty a minute
// with bursts of ten is far above a person clicking around a shop.
const (
	visitorEntriesPerMinute = 30
	visitorEntryBurst       = 10
)

// visitorParams are spec 001's query parameters, validated.
type visitorParams struct {
	businessID  int64
	groupID     int64
	visitorID   string
	visitorName string
	avatar      string
	product     string
	// signed marks a visiter_id with timestamp and signature, verified
	// against the tenant's secret once the business is known.
	signed    bool
	timestamp int64
	signature string
}

func newVisitorEntryLimiter() gin.HandlerFunc {
	l := ratelimit.New(rate.Every(time.Minute/visitorEntriesPerMinute), visitorEntryBurst, 10*time.Minute)
	return l.PerClientIP(func(c *gin.Context, wait time.Duration) {
		groupsFail(c, tooMany(c, wait))
	})
}

// visitorEntry opens the customer chat page for a visitor of a business: it
// mints a single-use web key for the visitor, skill group and product card,
// and redirects the browser to the page with it. Failures answer in spec
// 001's envelope, the one of its merchant groups.
func (h *webEntryHandlers) visitorEntry(c *gin.Context) {
	p, err := readVisitorParams(c)
	if err != nil {
		groupsFail(c, err)
		return
	}
	ctx := c.Request.Context()
	tg, err := h.d.WebKeys.VisitorTarget(ctx, p.businessID, p.groupID)
	switch {
	case errors.Is(err, webentry.ErrUnknownBusiness):
		err = &apiError{http.StatusNotFound, "404", "no business with business_id " + strconv.FormatInt(p.businessID, 10)}
	case errors.Is(err, webentry.ErrUnknownGroup):
		err = errBadRequest(fmt.Sprintf("groupid %d is not a group of business %d (see /api/group/%d)", p.groupID, p.businessID, p.businessID))
	case errors.Is(err, webentry.ErrNoWebChat):
		err = &apiError{http.StatusNotFound, "404", "business " + strconv.FormatInt(p.businessID, 10) + " has no web chat"}
	}
	if err != nil {
		groupsFail(c, err)
		return
	}
	userID, err := visitorUserID(c, p, tg.Secret)
	if err != nil {
		groupsFail(c, err)
		return
	}
	locale := preferredLocale(c.GetHeader("Accept-Language"), tg.Locale)
	name := p.visitorName
	if name == "" {
		// After what the agent can tell apart: the claimed id, else the user id.
		name = defaultVisitorName(firstNonEmpty(p.visitorID, strings.TrimPrefix(userID, webentry.AnonIDPrefix)), locale)
	}
	key, _, err := h.d.WebKeys.Create(ctx, webentry.Grant{
		Source: webentry.SourceVisitor, TenantID: tg.TenantID, AppKey: tg.AppKey, ChannelConfigID: tg.ChannelConfigID,
		UserID: userID, UserName: name, Avatar: p.avatar, SkillGroupID: tg.SkillGroupID, Locale: locale,
		ProductCard: p.product,
	})
	if err != nil {
		groupsFail(c, err)
		return
	}
	h.pruneKeys(c)
	noStore(c)
	// The key must not leak to the pages the chat page links to.
	c.Header("Referrer-Policy", "no-referrer")
	c.Redirect(http.StatusFound, chatPagePath+"?"+url.Values{"key": {key}}.Encode())
}

// readVisitorParams validates spec 001's parameters and names every problem.
func readVisitorParams(c *gin.Context) (visitorParams, error) {
	var p visitorParams
	var problems []string
	var err error
	if p.businessID, err = positiveParam(c, "business_id", true); err != nil {
		problems = append(problems, err.Error())
	}
	if p.groupID, err = positiveParam(c, "groupid", false); err != nil {
		problems = append(problems, err.Error())
	}
	p.visitorID = strings.TrimSpace(c.Query("visiter_id"))
	if msg := checkVisitorText("visiter_id", p.visitorID, maxVisitorIDLen, true); msg != "" {
		problems = append(problems, msg)
	}
	for _, prefix := range reservedUserPrefixes {
		if strings.HasPrefix(p.visitorID, prefix) {
			// Guest and unsigned ids are ccflow's: nobody opens their chat by naming one.
			problems = append(problems, "visiter_id must not start with "+strconv.Quote(prefix))
		}
	}
	problems = append(problems, readSignature(c, &p)...)
	p.visitorName = strings.TrimSpace(c.Query("visiter_name"))
	if msg := checkVisitorText("visiter_name", p.visitorName, maxVisitorNameLen, false); msg != "" {
		problems = append(problems, msg)
	}
	p.avatar = strings.TrimSpace(c.Query("avatar"))
	if msg := checkAvatar(p.avatar); msg != "" {
		problems = append(problems, msg)
	}
	if raw := strings.TrimSpace(c.Query("product")); raw != "" {
		if p.product, err = webentry.ProductCard(raw); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return p, errBadRequest(strings.Join(problems, "; "))
	}
	return p, nil
}

// reservedUserPrefixes start the user ids ccflow makes itself: guests' and
// unsigned visitors'. Neither the visitor entry nor applyToken may name them.
var reservedUserPrefixes = []string{webentry.GuestIDPrefix, webentry.AnonIDPrefix}

// readSignature reads the signed identity's timestamp and signature; both or
// neither, and only with a visiter_id.
func readSignature(c *gin.Context, p *visitorParams) []string {
	ts, sig := strings.TrimSpace(c.Query("timestamp")), strings.TrimSpace(c.Query("signature"))
	if ts == "" && sig == "" {
		return nil
	}
	var problems []string
	switch {
	case p.visitorID == "":
		problems = append(problems, "timestamp and signature sign a visiter_id, which is missing")
	case ts == "" || sig == "":
		problems = append(problems, "a signed visiter_id needs both timestamp and signature")
	}
	var err error
	if ts != "" {
		if p.timestamp, err = strconv.ParseInt(ts, 10, 64); err != nil || p.timestamp <= 0 {
			problems = append(problems, "timestamp must be unix seconds")
		}
	}
	if sig != "" && !isLowerHex(sig, 64) {
		problems = append(problems, "signature must be 64 lower-case hex digits (HMAC-SHA256)")
	}
	p.signed, p.signature = len(problems) == 0, sig
	return problems
}

// isLowerHex tells whether s is n lower-case hex digits.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// visitorUserID is the user id the entry opens the chat for: a signed
// visiter_id as it is (the tenant vouched for it), anything else an unsigned
// id bound to this browser (webentry.UnsignedVisitorID).
func visitorUserID(c *gin.Context, p visitorParams, secret string) (string, error) {
	if p.signed {
		err := webentry.VerifyVisitor(secret, p.businessID, p.visitorID, p.timestamp, p.signature, time.Now())
		if err != nil {
			return "", errUnauthorized(err.Error())
		}
		return p.visitorID, nil
	}
	browser, err := browserID(c)
	if err != nil {
		return "", err
	}
	return webentry.UnsignedVisitorID(browser, p.visitorID), nil
}

// positiveParam reads an integer query parameter that must be positive.
func positiveParam(c *gin.Context, name string, required bool) (int64, error) {
	raw := strings.TrimSpace(c.Query(name))
	if raw == "" {
		if required {
			return 0, errors.New(name + " is required")
		}
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New(name + " must be a positive integer")
	}
	return n, nil
}

// checkVisitorText checks an optional text parameter; an id must also be
// free of spaces, since it names the visitor in workflow ids and webhooks.
func checkVisitorText(name, v string, maxLen int, isID bool) string {
	bad := unicode.IsControl
	if isID {
		bad = func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }
	}
	switch {
	case utf8.RuneCountInString(v) > maxLen:
		return fmt.Sprintf("%s must be at most %d characters", name, maxLen)
	case !utf8.ValidString(v) || strings.IndexFunc(v, bad) >= 0:
		if isID {
			return name + " must not contain spaces or control characters"
		}
		return name + " must be one line without control characters"
	}
	return ""
}

// checkAvatar accepts an absolute http(s) URL without credentials.
func checkAvatar(v string) string {
	if v == "" {
		return ""
	}
	if len(v) > maxAvatarLen {
		return fmt.Sprintf("avatar must be at most %d characters", maxAvatarLen)
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "avatar must be an absolute http or https URL"
	}
	return ""
}

// browserID is the browser's random id: the one its cookie holds from an
// earlier visit, else a new one. The cookie is set again each time, so the
// year runs from the last visit.
func browserID(c *gin.Context) (string, error) {
	id, err := c.Cookie(visitorCookie)
	if err != nil || !webentry.IsGeneratedVisitorID(id) {
		if id, err = webentry.NewVisitorID(); err != nil {
			return "", err
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: visitorCookie, Value: id, Path: "/", MaxAge: visitorCookieMaxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil,
	})
	return id, nil
}

// preferredLocale is the first of the browser's languages the chat page has
// texts for (zh, en), else the channel config's locale.
func preferredLocale(acceptLanguage, fallback string) string {
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if primary == "zh" || primary == "en" {
			return primary
		}
	}
	if fallback == "" {
		return "zh"
	}
	return fallback
}

// defaultVisitorName names a visitor who gave no name, after the id's
// beginning, so that an agent can tell two of them apart.
func defaultVisitorName(id, locale string) string {
	short := []rune(id)
	if len(short) > 6 {
		short = short[:6]
	}
	if locale == "en" {
		return "Visitor " + string(short)
	}
	return "访客" + string(short)
}
