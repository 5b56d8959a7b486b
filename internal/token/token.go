// Package token issues and verifies ccflow's two bearer tokens (spec 003 §2–3):
// the AccessToken an app key gets from tokenByAkSk, and the per-visitor
// ccmessaging-token that applyToken binds to a tenant, channel config and user.
//
// Both are HS256 JWTs signed with a key kept in the database (models.SigningKey),
// so every API replica verifies what any other replica issued without sharing
// configuration. A "typ" claim keeps the two kinds apart: neither is accepted
// where the other is expected.
package token

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/models"
)

// Token kinds, the value of the "typ" claim.
const (
	// TypeAccess marks an AccessToken from tokenByAkSk.
	TypeAccess = "access"
	// TypeVisitor marks a ccmessaging-token from applyToken.
	TypeVisitor = "ccmessaging"
	// TypeAgent marks an agent's session from the agent API's login.
	TypeAgent = "agent"
)

// AgentTTL is an agent session's lifetime: a working day and some.
const AgentTTL = 12 * time.Hour

// VisitorTTL is a ccmessaging-token's lifetime; spec 003 §3.1.2 fixes it at one hour.
const VisitorTTL = time.Hour

const (
	// currentKeyID names the signing key row every replica uses; a fixed id is
	// what makes the first-start insert race-free (one row can win, all read it).
	currentKeyID = "current"
	keyBytes     = 32
	issuer       = "ccflow"
	// clockSkew tolerates replicas whose clocks disagree a little on "issued at".
	clockSkew = time.Minute
)

var (
	// ErrInvalid is any failure other than expiry: bad signature, wrong kind,
	// malformed, unsupported algorithm, missing claims.
	ErrInvalid = errors.New("invalid token")
	// ErrExpired means the token is authentic and of the right kind but past
	// its expiry; the claims are returned with it so a caller can renew.
	ErrExpired = errors.New("token expired")
)

// AccessClaims is what an AccessToken vouches for: an app key of a tenant.
type AccessClaims struct {
	AppKey    string
	TenantID  string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// VisitorClaims is what a ccmessaging-token binds: one user of one channel
// config of a tenant, reached through one app key.
type VisitorClaims struct {
	TenantID        string
	AppKey          string
	ChannelConfigID string
	UserID          string
	UserName        string
	Locale          string
	// Web marks a session the customer chat page got by exchanging a web key
	// (guest or visitor entry). Such a token needs no x-app-key and
	// AccessToken: it is bound to one user of one channel and cannot mint others.
	Web bool
	// SkillGroupID is the skill group the web entry chose; zero means the
	// channel config's default.
	SkillGroupID int64
	// WebKeyID names the exchanged web key, whose product card the
	// conversation starts with.
	WebKeyID uint64
	// IssuedAt and ExpiresAt are set by verification; IssueVisitor ignores them.
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// AgentClaims is what an agent session vouches for: one agent of a tenant.
type AgentClaims struct {
	AgentID  string
	TenantID string
	// SessionVersion is the agent's session version at login; the agent API
	// refuses the token once the agent's version moved on (logout, password
	// change, disable), so that revocation needs no token list.
	SessionVersion int64
	IssuedAt       time.Time
	ExpiresAt      time.Time
}

// jwtClaims is the wire form of every kind; short names keep tokens small
// because a ccmessaging-token travels in a header on every poll.
type jwtClaims struct {
	Type            string `json:"typ"`
	AppKey          string `json:"ak"`
	TenantID        string `json:"tid"`
	ChannelConfigID string `json:"cid,omitempty"`
	UserID          string `json:"uid,omitempty"`
	UserName        string `json:"un,omitempty"`
	Locale          string `json:"loc,omitempty"`
	Web             bool   `json:"web,omitempty"`
	SkillGroupID    int64  `json:"sg,omitempty"`
	WebKeyID        uint64 `json:"wk,omitempty"`
	AgentID         string `json:"aid,omitempty"`
	SessionVersion  int64  `json:"sv,omitempty"`
	jwt.RegisteredClaims
}

// Issuer signs and verifies tokens with the database's current signing key.
type Issuer struct {
	keyID  string
	secret []byte
	now    func() time.Time
	parser *jwt.Parser

	// verified holds the claims of tokens whose signature this issuer has
	// checked: a token is immutable, so its next request skips the parse and
	// the HMAC (a few percent of a busy server's CPU) and only the claims are
	// checked again, expiry included.
	mu       sync.Mutex
	verified map[string]jwtClaims
}

// maxVerified bounds the verified tokens kept; past it the map starts over.
const maxVerified = 20_000

// Option configures an Issuer.
type Option func(*Issuer)

// WithClock replaces time.Now, so tests can issue tokens and then move past their expiry.
func WithClock(now func() time.Time) Option {
	return func(i *Issuer) { i.now = now }
}

// NewIssuer loads the current signing key, creating it on first use.
//
// Replicas starting together each try to insert a fresh random key under the
// same fixed id; the database keeps exactly one, and every replica then reads
// that one back, so they all sign with the same key.
func NewIssuer(ctx context.Context, db *gorm.DB, opts ...Option) (*Issuer, error) {
	raw := make([]byte, keyBytes)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("token: generate signing key: %w", err)
	}
	candidate := models.SigningKey{ID: currentKeyID, Secret: hex.EncodeToString(raw), CreatedAt: time.Now().UTC()}
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&candidate).Error; err != nil {
		return nil, fmt.Errorf("token: store signing key: %w", err)
	}
	var stored models.SigningKey
	if err := db.WithContext(ctx).Where("id = ?", currentKeyID).Take(&stored).Error; err != nil {
		return nil, fmt.Errorf("token: load signing key: %w", err)
	}
	secret, err := hex.DecodeString(stored.Secret)
	if err != nil || len(secret) < keyBytes {
		// A hand-edited row must stop start-up rather than sign with a weak key.
		return nil, fmt.Errorf("token: signing key %q is not %d hex-encoded bytes", stored.ID, keyBytes)
	}
	i := &Issuer{keyID: stored.ID, secret: secret, now: time.Now}
	for _, o := range opts {
		o(i)
	}
	// Claims are validated by hand (validate) so that an expired but authentic
	// token can be told apart from a forged one; the parser checks only the
	// algorithm and the signature.
	i.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithoutClaimsValidation(),
	)
	return i, nil
}

// Now is the issuer's clock, which callers use to judge how close a token is to expiry.
func (i *Issuer) Now() time.Time { return i.now() }

// IssueAccess signs an AccessToken for an app key, valid for ttl.
func (i *Issuer) IssueAccess(appKey, tenantID string, ttl time.Duration) (token string, issuedAt, expiresAt time.Time, err error) {
	if appKey == "" || tenantID == "" {
		return "", time.Time{}, time.Time{}, errors.New("token: access token needs an app key and a tenant")
	}
	return i.sign(jwtClaims{Type: TypeAccess, AppKey: appKey, TenantID: tenantID}, appKey, ttl)
}

// VerifyAccess checks an AccessToken; expired ones fail with ErrExpired, all else with ErrInvalid.
func (i *Issuer) VerifyAccess(token string) (AccessClaims, error) {
	c, err := i.verify(token, TypeAccess)
	if c == nil {
		return AccessClaims{}, err
	}
	return AccessClaims{
		AppKey: c.AppKey, TenantID: c.TenantID,
		IssuedAt: c.IssuedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
	}, err
}

// IssueVisitor signs a ccmessaging-token binding c's tenant, app key, channel
// config and user, valid for ttl (VisitorTTL for the spec's one hour).
func (i *Issuer) IssueVisitor(c VisitorClaims, ttl time.Duration) (string, error) {
	if c.TenantID == "" || c.AppKey == "" || c.ChannelConfigID == "" || c.UserID == "" {
		return "", errors.New("token: visitor token needs a tenant, app key, channel config and user")
	}
	tok, _, _, err := i.sign(jwtClaims{
		Type: TypeVisitor, AppKey: c.AppKey, TenantID: c.TenantID, ChannelConfigID: c.ChannelConfigID,
		UserID: c.UserID, UserName: c.UserName, Locale: c.Locale,
		Web: c.Web, SkillGroupID: c.SkillGroupID, WebKeyID: c.WebKeyID,
	}, c.UserID, ttl)
	return tok, err
}

// VerifyVisitor checks a ccmessaging-token. When only the expiry failed it
// returns the filled-in claims with ErrExpired, so that the caller can renew
// the token of a visitor whose conversation is still going on.
func (i *Issuer) VerifyVisitor(token string) (VisitorClaims, error) {
	c, err := i.verify(token, TypeVisitor)
	if c == nil {
		return VisitorClaims{}, err
	}
	return VisitorClaims{
		TenantID: c.TenantID, AppKey: c.AppKey, ChannelConfigID: c.ChannelConfigID,
		UserID: c.UserID, UserName: c.UserName, Locale: c.Locale,
		Web: c.Web, SkillGroupID: c.SkillGroupID, WebKeyID: c.WebKeyID,
		IssuedAt: c.IssuedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
	}, err
}

// IssueAgent signs an agent's session token of session version 0, valid
// for ttl. Sessions are checked against the agent's current version, so
// logins use IssueAgentSession with the version read with the password.
func (i *Issuer) IssueAgent(agentID, tenantID string, ttl time.Duration) (token string, expiresAt time.Time, err error) {
	return i.IssueAgentSession(AgentClaims{AgentID: agentID, TenantID: tenantID}, ttl)
}

// IssueAgentSession signs an agent's session token for c's agent, tenant and
// session version, valid for ttl.
func (i *Issuer) IssueAgentSession(c AgentClaims, ttl time.Duration) (token string, expiresAt time.Time, err error) {
	if c.AgentID == "" || c.TenantID == "" {
		return "", time.Time{}, errors.New("token: agent token needs an agent and a tenant")
	}
	tok, _, exp, err := i.sign(jwtClaims{Type: TypeAgent, AgentID: c.AgentID, TenantID: c.TenantID, SessionVersion: c.SessionVersion}, c.AgentID, ttl)
	return tok, exp, err
}

// VerifyAgent checks an agent's session token; an expired one is refused
// (ErrExpired): the agent logs in again.
func (i *Issuer) VerifyAgent(token string) (AgentClaims, error) {
	c, err := i.verify(token, TypeAgent)
	if err != nil {
		return AgentClaims{}, err
	}
	return AgentClaims{
		AgentID: c.AgentID, TenantID: c.TenantID, SessionVersion: c.SessionVersion,
		IssuedAt: c.IssuedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
	}, nil
}

func (i *Issuer) sign(c jwtClaims, subject string, ttl time.Duration) (string, time.Time, time.Time, error) {
	if ttl <= 0 {
		return "", time.Time{}, time.Time{}, fmt.Errorf("token: non-positive lifetime %s", ttl)
	}
	// JWT times are whole seconds; truncating here makes the returned times
	// equal to what a verifier will read back.
	now := i.now().UTC().Truncate(time.Second)
	exp := now.Add(ttl.Truncate(time.Second))
	c.RegisteredClaims = jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   subject,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	// kid lets a later key rotation verify tokens signed with the previous key.
	t.Header["kid"] = i.keyID
	s, err := t.SignedString(i.secret)
	if err != nil {
		return "", time.Time{}, time.Time{}, fmt.Errorf("token: sign: %w", err)
	}
	return s, now, exp, nil
}

// verify returns the claims of an authentic token of kind typ. The claims
// are nil unless the signature and kind are right; with ErrExpired they are set.
func (i *Issuer) verify(token, typ string) (*jwtClaims, error) {
	c, err := i.signed(token)
	if err != nil {
		return nil, err
	}
	if err := validate(&c, typ, i.now()); err != nil {
		if errors.Is(err, ErrExpired) {
			return &c, err
		}
		return nil, err
	}
	return &c, nil
}

// signed returns the claims of a token whose signature is right, from the
// tokens verified before when it is one of them.
func (i *Issuer) signed(token string) (jwtClaims, error) {
	i.mu.Lock()
	c, ok := i.verified[token]
	i.mu.Unlock()
	if ok {
		return c, nil
	}
	_, err := i.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != i.keyID {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return i.secret, nil
	})
	if err != nil {
		return jwtClaims{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	i.mu.Lock()
	if i.verified == nil || len(i.verified) >= maxVerified {
		i.verified = make(map[string]jwtClaims)
	}
	i.verified[token] = c
	i.mu.Unlock()
	return c, nil
}

// validate checks the claims of a token whose signature is already verified.
// Expiry is checked last, so ErrExpired implies everything else was right.
func validate(c *jwtClaims, typ string, now time.Time) error {
	switch {
	case c.Type != typ:
		return fmt.Errorf("%w: token is of type %q, want %q", ErrInvalid, c.Type, typ)
	case c.Issuer != issuer:
		return fmt.Errorf("%w: issuer %q", ErrInvalid, c.Issuer)
	case c.TenantID == "" || (typ != TypeAgent && c.AppKey == ""):
		return fmt.Errorf("%w: app key or tenant missing", ErrInvalid)
	case typ == TypeAgent && c.AgentID == "":
		return fmt.Errorf("%w: agent missing", ErrInvalid)
	case typ == TypeVisitor && (c.ChannelConfigID == "" || c.UserID == ""):
		return fmt.Errorf("%w: channel config or user missing", ErrInvalid)
	case c.ExpiresAt == nil || c.IssuedAt == nil:
		return fmt.Errorf("%w: iat or exp missing", ErrInvalid)
	case c.IssuedAt.After(now.Add(clockSkew)):
		return fmt.Errorf("%w: issued in the future", ErrInvalid)
	case !now.Before(c.ExpiresAt.Time):
		return ErrExpired
	}
	return nil
}
