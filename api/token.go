package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/ratelimit"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
)

// Paths of the two token endpoints (spec 003 §2 and §3.2).
const (
	tokenByAkSkPath = "/apigovernance/api/oauth/tokenByAkSk"
	applyTokenPath  = "/apiaccess/ccmessaging/applyToken"
)

// Header names of spec 003's authentication.
const (
	appKeyHeader        = "x-app-key"
	authorizationHeader = "Authorization"
	tokenExpireHeader   = "X-Token-Expire"
)

// AccessToken lifetimes, in seconds, that X-Token-Expire may ask for. The spec's
// example and the default is 600; the maximum is one day, long enough for a
// server-side integration to refresh daily and short enough that a leaked token
// does not outlive the working day it leaked in.
const (
	defaultAccessTTLSec = 600
	minAccessTTLSec     = 60
	maxAccessTTLSec     = 86400
)

// badCredentials is the one answer for every AK/SK failure, so that a caller
// cannot learn whether an app key exists or is disabled.
const badCredentials = "invalid app_key or app_secret"

// iso639 accepts a bare language code (spec 003 §3.1.1: "zh", "en", no country).
var iso639 = regexp.MustCompile(`^[a-z]{2,3}$`)

// tokenHandlers serve tokenByAkSk and applyToken.
type tokenHandlers struct {
	d      Deps
	issuer *token.Issuer
	bind   *binder
	// wrongSecrets limits failed tokenByAkSk calls per client address and
	// per app key (see failureGuard): an app's backend that knows its secret
	// is never held up by somebody else guessing it.
	wrongSecrets *failureGuard
}

// tokenByAkSk's limits of wrong secrets: per client address 30 at once then
// one every 10 s; per app key 20 at once then one every 10 s.
var (
	akskPerAddr   = guardRate{every: 10 * time.Second, burst: 30}
	akskPerAppKey = guardRate{every: 10 * time.Second, burst: 20}
)

func newTokenHandlers(d Deps, issuer *token.Issuer, b *binder) *tokenHandlers {
	return &tokenHandlers{d: d, issuer: issuer, bind: b, wrongSecrets: newFailureGuard(akskPerAddr, akskPerAppKey, time.Now)}
}

// tokenByAkSkRequest is spec 003 §2's request body.
type tokenByAkSkRequest struct {
	AppKey    string `json:"app_key" validate:"required,max=64"`
	AppSecret string `json:"app_secret" validate:"required,max=128"`
}

// tokenByAkSkResponse is spec 003 §2's response, field names as the spec spells them.
type tokenByAkSkResponse struct {
	AccessToken string `json:"AccessToken"`
	ApplyType   string `json:"ApplyType"`
	CreateTime  string `json:"CreateTime"`
	Expires     string `json:"Expires"`
	Scope       string `json:"Scope"`
	AppKey      string `json:"AppKey"`
	UserID      string `json:"UserID"`
}

// tokenByAkSk exchanges an app key and its secret for a bearer AccessToken.
func (h *tokenHandlers) tokenByAkSk(c *gin.Context) {
	ttl, err := accessTTL(c.GetHeader(tokenExpireHeader))
	if err != nil {
		fail(c, err)
		return
	}
	var req tokenByAkSkRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	addr := ratelimit.ClientKey(c.ClientIP())
	if ok, wait := h.wrongSecrets.allow(req.AppKey, addr); !ok {
		fail(c, tooMany(c, wait))
		return
	}
	key, err := h.d.Directory.AppKey(c.Request.Context(), req.AppKey)
	known := err == nil
	if err != nil && !errors.Is(err, directory.ErrNotFound) {
		fail(c, err)
		return
	}
	// Compare digests: equal lengths keep ConstantTimeCompare from returning
	// early on a length mismatch, and an unknown key costs the same comparison.
	stored := sha256.Sum256([]byte(key.Secret))
	given := sha256.Sum256([]byte(req.AppSecret))
	match := subtle.ConstantTimeCompare(stored[:], given[:]) == 1
	if !known || !match || key.Secret == "" {
		h.wrongSecrets.failed(req.AppKey, addr)
		fail(c, errUnauthorized(badCredentials))
		return
	}
	h.wrongSecrets.succeeded(req.AppKey, addr)
	tok, issuedAt, expiresAt, err := h.issuer.IssueAccess(key.Key, key.TenantID, ttl)
	if err != nil {
		fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, tokenByAkSkResponse{
		AccessToken: tok,
		ApplyType:   "Bearer",
		CreateTime:  strconv.FormatInt(issuedAt.Unix(), 10),
		Expires:     strconv.FormatInt(int64(expiresAt.Sub(issuedAt)/time.Second), 10),
		Scope:       key.TenantID,
		AppKey:      key.Key,
		UserID:      "Anonymous",
	})
}

// accessTTL reads X-Token-Expire (seconds); absent means the spec's 600.
func accessTTL(raw string) (time.Duration, error) {
	if raw == "" {
		return defaultAccessTTLSec * time.Second, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < minAccessTTLSec || n > maxAccessTTLSec {
		return 0, errBadRequest(fmt.Sprintf("%s must be a whole number of seconds from %d to %d",
			tokenExpireHeader, minAccessTTLSec, maxAccessTTLSec))
	}
	return time.Duration(n) * time.Second, nil
}

// applyTokenRequest is spec 003 §3.1.1 applyTokenReqBody.
type applyTokenRequest struct {
	UserID    string `json:"userId" validate:"required,max=128"`
	UserName  string `json:"userName" validate:"required,max=128"`
	ChannelID string `json:"channelId" validate:"required,max=64"`
	Locale    string `json:"locale" validate:"required"`
}

// applyTokenResponse is spec 003 §3.1.2 applyTokenRspBody.
type applyTokenResponse struct {
	Token      string `json:"token"`
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
}

// applyToken issues a visitor's ccmessaging-token for one channel config.
func (h *tokenHandlers) applyToken(c *gin.Context) {
	// Authenticate before reading the body: an anonymous caller learns nothing
	// about what a valid request would look like.
	key, err := authenticateApp(c, h.d, h.issuer, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req applyTokenRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	for _, prefix := range reservedUserPrefixes {
		if strings.HasPrefix(req.UserID, prefix) {
			// ccflow's own guests and unsigned web visitors stay apart from an app's users.
			fail(c, errBadRequest("userId must not start with "+strconv.Quote(prefix)+", which ccflow keeps for its web visitors"))
			return
		}
	}
	if !iso639.MatchString(req.Locale) {
		fail(c, errBadRequest("locale must be an ISO 639 language code without a country, such as zh or en"))
		return
	}
	ch, err := h.d.Directory.Channel(c.Request.Context(), req.ChannelID)
	if errors.Is(err, directory.ErrNotFound) {
		fail(c, errBadRequest("unknown channel config "+strconv.Quote(req.ChannelID)))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	if ch.TenantID != key.TenantID {
		fail(c, errForbidden("channel config "+strconv.Quote(req.ChannelID)+" belongs to another tenant"))
		return
	}
	tok, err := h.issuer.IssueVisitor(token.VisitorClaims{
		TenantID: key.TenantID, AppKey: key.Key, ChannelConfigID: ch.ID,
		UserID: req.UserID, UserName: req.UserName, Locale: req.Locale,
	}, token.VisitorTTL)
	if err != nil {
		fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, applyTokenResponse{Token: tok, ResultCode: "0", ResultDesc: "apply token success"})
}

// authenticateApp checks x-app-key and the Authorization bearer AccessToken
// for applyToken and the visitor middleware: the key must be enabled and the
// token must have been issued to that key and its tenant. With required false,
// absent headers pass (each present one is still checked) and the returned key
// is zero when neither header is sent.
func authenticateApp(c *gin.Context, d Deps, issuer *token.Issuer, required bool) (models.AppKey, error) {
	rawKey := c.GetHeader(appKeyHeader)
	rawAuth := c.GetHeader(authorizationHeader)
	if required && rawKey == "" {
		return models.AppKey{}, errUnauthorized(appKeyHeader + " header is required")
	}
	if required && rawAuth == "" {
		return models.AppKey{}, errUnauthorized(authorizationHeader + " header is required")
	}
	var access token.AccessClaims
	if rawAuth != "" {
		bearer, ok := bearerToken(rawAuth)
		if !ok {
			return models.AppKey{}, errUnauthorized(authorizationHeader + ` must be "Bearer <AccessToken>"`)
		}
		var err error
		access, err = issuer.VerifyAccess(bearer)
		if errors.Is(err, token.ErrExpired) {
			return models.AppKey{}, errUnauthorized("AccessToken expired, get a new one from tokenByAkSk")
		}
		if err != nil {
			return models.AppKey{}, errUnauthorized("invalid AccessToken")
		}
		if rawKey != "" && access.AppKey != rawKey {
			return models.AppKey{}, errUnauthorized("AccessToken was issued to another app key")
		}
	}
	name := rawKey
	if name == "" {
		name = access.AppKey
	}
	if name == "" {
		return models.AppKey{}, nil
	}
	key, err := d.Directory.AppKey(c.Request.Context(), name)
	if errors.Is(err, directory.ErrNotFound) {
		return models.AppKey{}, errUnauthorized("unknown or disabled " + appKeyHeader)
	}
	if err != nil {
		return models.AppKey{}, err
	}
	if rawAuth != "" && access.TenantID != key.TenantID {
		return models.AppKey{}, errUnauthorized("AccessToken was issued to another tenant")
	}
	return key, nil
}

// bearerToken extracts the token of "Bearer <token>"; the scheme is
// case-insensitive (RFC 9110) and extra spaces, as in the spec's examples, are tolerated.
func bearerToken(header string) (string, bool) {
	f := strings.Fields(header)
	if len(f) != 2 || !strings.EqualFold(f[0], "Bearer") {
		return "", false
	}
	return f[1], true
}

// noStore keeps tokens out of shared caches (RFC 6749 §5.1).
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
}
