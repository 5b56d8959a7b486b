package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/token"
)

// VisitorTokenHeader carries a visitor's ccmessaging-token in requests, and a
// renewed one in responses (spec 003 §3.1.2): clients replace theirs whenever
// a response has it.
const VisitorTokenHeader = "ccmessaging-token"

const (
	// renewGrace is how long after expiry a token of a live conversation is
	// still renewed. A visitor idle longer than this has long lost the page.
	renewGrace = 24 * time.Hour
	// renewAhead renews a token this close to expiry, so that an active client
	// swaps it before it ever sees a 401.
	renewAhead = 10 * time.Minute
	// visitorClaimsKey holds the verified token.VisitorClaims in the gin context.
	visitorClaimsKey = "ccflow.visitor_claims"
	// expiredDesc tells the client what to do when its token cannot be renewed.
	expiredDesc = "token expired, apply a new one"
)

// liveFunc reports whether the visitor of claims has a conversation going on,
// which is when spec 003 §3.1.2 renews an expired token instead of refusing it.
type liveFunc func(ctx context.Context, claims token.VisitorClaims) (bool, error)

// authenticator checks the headers of spec 003's customer endpoints.
type authenticator struct {
	d      Deps
	issuer *token.Issuer
	live   liveFunc
}

// newAuthenticator returns the customer endpoints' authenticator; live may be
// nil, in which case an expired ccmessaging-token is never renewed.
func newAuthenticator(d Deps, issuer *token.Issuer, live liveFunc) *authenticator {
	return &authenticator{d: d, issuer: issuer, live: live}
}

// visitorOpts says which headers an endpoint requires beyond ccmessaging-token.
type visitorOpts struct {
	// appAuth requires x-app-key and Authorization as well (the spec marks them
	// True for send, poll, saveSatisfaction, doLeaveMessage, …). Without it they
	// are optional, but each one sent must still be valid and consistent. A
	// web session's token (token.VisitorClaims.Web) never needs them.
	appAuth bool
}

// visitor authenticates a customer call by its ccmessaging-token (and, as
// opts asks, its x-app-key and AccessToken), renews the token when due, and
// stores the verified claims for visitorFrom.
func (a *authenticator) visitor(opts visitorOpts) gin.HandlerFunc {
	return func(c *gin.Context) {
		claims, err := a.authenticate(c, opts)
		if err != nil {
			fail(c, err)
			return
		}
		c.Set(visitorClaimsKey, claims)
		c.Next()
	}
}

func (a *authenticator) authenticate(c *gin.Context, opts visitorOpts) (token.VisitorClaims, error) {
	raw := c.GetHeader(VisitorTokenHeader)
	if raw == "" {
		return token.VisitorClaims{}, errUnauthorized(VisitorTokenHeader + " header is required")
	}
	claims, verr := a.issuer.VerifyVisitor(raw)
	expired := errors.Is(verr, token.ErrExpired)
	// The chat page's web session carries no app credentials (a browser must
	// not hold them): its token is bound to one user of one channel and cannot
	// mint others, so it stands alone. Headers it does send are still checked.
	appAuth := opts.appAuth && !((verr == nil || expired) && claims.Web)
	key, err := authenticateApp(c, a.d, a.issuer, appAuth)
	if err != nil {
		return token.VisitorClaims{}, err
	}
	if verr != nil && !expired {
		return token.VisitorClaims{}, errUnauthorized("invalid " + VisitorTokenHeader)
	}
	switch {
	case key.Key != "" && key.Key != claims.AppKey:
		return token.VisitorClaims{}, errUnauthorized(VisitorTokenHeader + " was issued to another app key")
	case key.Key == "":
		// Only the visitor token was sent: its app key must still be enabled,
		// so that disabling a key cuts off its visitors at once.
		key, err = a.d.Directory.AppKey(c.Request.Context(), claims.AppKey)
		if errors.Is(err, directory.ErrNotFound) {
			return token.VisitorClaims{}, errUnauthorized("the app key of the " + VisitorTokenHeader + " is unknown or disabled")
		}
		if err != nil {
			return token.VisitorClaims{}, err
		}
	}
	if key.TenantID != claims.TenantID {
		return token.VisitorClaims{}, errUnauthorized(VisitorTokenHeader + " was issued to another tenant")
	}

	now := a.issuer.Now()
	if expired {
		if now.Sub(claims.ExpiresAt) > renewGrace || a.live == nil {
			return token.VisitorClaims{}, errUnauthorized(expiredDesc)
		}
		live, err := a.live(c.Request.Context(), claims)
		if err != nil {
			return token.VisitorClaims{}, fmt.Errorf("check whether the visitor's conversation is live: %w", err)
		}
		if !live {
			return token.VisitorClaims{}, errUnauthorized(expiredDesc)
		}
		return claims, a.renew(c, claims)
	}
	if claims.ExpiresAt.Sub(now) < renewAhead {
		return claims, a.renew(c, claims)
	}
	return claims, nil
}

// renew answers a fresh one-hour token for the same visitor in the response header.
func (a *authenticator) renew(c *gin.Context, claims token.VisitorClaims) error {
	tok, err := a.issuer.IssueVisitor(claims, token.VisitorTTL)
	if err != nil {
		return fmt.Errorf("renew %s: %w", VisitorTokenHeader, err)
	}
	c.Header(VisitorTokenHeader, tok)
	return nil
}

// visitorFrom returns the claims the visitor middleware verified. A route
// without that middleware is a programming error, and panicking (a 500 through
// recovery) fails closed where zero claims could be mistaken for a visitor.
func visitorFrom(c *gin.Context) token.VisitorClaims {
	v, ok := c.Get(visitorClaimsKey)
	claims, isClaims := v.(token.VisitorClaims)
	if !ok || !isClaims {
		panic("api: visitorFrom on a route without the visitor middleware")
	}
	return claims
}

// requireSameUser refuses a request that names a user other than the token's
// (from, receiverId, userId), so nobody reads or writes another visitor's conversation.
func requireSameUser(claims token.VisitorClaims, userID string) error {
	if claims.UserID == "" || claims.UserID != userID {
		return errForbidden("the token belongs to another user")
	}
	return nil
}

// requireSameChannel refuses a request that names a channel config other
// than the token's (to, channelConfigId).
func requireSameChannel(claims token.VisitorClaims, channelConfigID string) error {
	if claims.ChannelConfigID == "" || claims.ChannelConfigID != channelConfigID {
		return errForbidden("the token belongs to another channel config")
	}
	return nil
}
