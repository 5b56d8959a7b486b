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

// visitorCookie keeps a generated visiter_id, so that a browser that comes
// back without one is the same visitor and finds its conversation again.
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
	if p.visitorID == "" {
		if p.visitorID, err = browserVisitorID(c); err != nil {
			groupsFail(c, err)
			return
		}
	}
	locale := preferredLocale(c.GetHeader("Accept-Language"), tg.Locale)
	name := p.visitorName
	if name == "" {
		name = defaultVisitorName(p.visitorID, locale)
	}
	key, _, err := h.d.WebKeys.Create(ctx, webentry.Grant{
		Source: webentry.SourceVisitor, TenantID: tg.TenantID, AppKey: tg.AppKey, ChannelConfigID: tg.ChannelConfigID,
		UserID: p.visitorID, UserName: name, Avatar: p.avatar, SkillGroupID: tg.SkillGroupID, Locale: locale,
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
	if strings.HasPrefix(p.visitorID, webentry.GuestIDPrefix) {
		// Guest ids come from the guest entry only: nobody opens a guest's chat by naming it.
		problems = append(problems, "visiter_id must not start with "+strconv.Quote(webentry.GuestIDPrefix))
	}
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

// browserVisitorID is the visiter_id of a browser that brought none: the one
// its cookie holds from an earlier visit, else a new one. The cookie is set
// again each time, so the year runs from the last visit.
func browserVisitorID(c *gin.Context) (string, error) {
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
