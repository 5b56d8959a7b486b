package token_test

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is a settable time source for an Issuer.
type clock struct{ at time.Time }

func (c *clock) now() time.Time { return c.at }

func newIssuer(t *testing.T, db *gorm.DB) (*token.Issuer, *clock) {
	t.Helper()
	c := &clock{at: t0}
	iss, err := token.NewIssuer(context.Background(), db, token.WithClock(c.now))
	require.NoError(t, err)
	return iss, c
}

var visitor = token.VisitorClaims{
	TenantID: "demo", AppKey: "demo-app-key", ChannelConfigID: "1011577355744904195",
	UserID: "visitor-1", UserName: "Ann", Locale: "zh",
}

func TestAccessRoundTrip(t *testing.T) {
	iss, clk := newIssuer(t, modelstest.SQLiteDB(t))
	tok, iat, exp, err := iss.IssueAccess("demo-app-key", "demo", 600*time.Second)
	require.NoError(t, err)
	require.Equal(t, t0, iat)
	require.Equal(t, t0.Add(600*time.Second), exp)

	got, err := iss.VerifyAccess(tok)
	require.NoError(t, err)
	require.Equal(t, token.AccessClaims{AppKey: "demo-app-key", TenantID: "demo", IssuedAt: iat, ExpiresAt: exp}, got)

	clk.at = exp
	got, err = iss.VerifyAccess(tok)
	require.ErrorIs(t, err, token.ErrExpired)
	require.Equal(t, "demo-app-key", got.AppKey)
}

func TestVisitorRoundTripAndExpiry(t *testing.T) {
	iss, clk := newIssuer(t, modelstest.SQLiteDB(t))
	tok, err := iss.IssueVisitor(visitor, token.VisitorTTL)
	require.NoError(t, err)

	got, err := iss.VerifyVisitor(tok)
	require.NoError(t, err)
	want := visitor
	want.IssuedAt, want.ExpiresAt = t0, t0.Add(time.Hour)
	require.Equal(t, want, got)

	clk.at = t0.Add(time.Hour - time.Second)
	_, err = iss.VerifyVisitor(tok)
	require.NoError(t, err, "valid until the last second")

	clk.at = t0.Add(time.Hour)
	got, err = iss.VerifyVisitor(tok)
	require.ErrorIs(t, err, token.ErrExpired)
	require.NotErrorIs(t, err, token.ErrInvalid)
	require.Equal(t, want, got, "claims still filled in for renewal")
}

func TestWebVisitorClaimsRoundTrip(t *testing.T) {
	iss, _ := newIssuer(t, modelstest.SQLiteDB(t))
	web := visitor
	web.Web, web.SkillGroupID, web.WebKeyID = true, 12, 42
	tok, err := iss.IssueVisitor(web, token.VisitorTTL)
	require.NoError(t, err)
	got, err := iss.VerifyVisitor(tok)
	require.NoError(t, err)
	want := web
	want.IssuedAt, want.ExpiresAt = t0, t0.Add(time.Hour)
	require.Equal(t, want, got)

	plain, err := iss.IssueVisitor(visitor, token.VisitorTTL)
	require.NoError(t, err)
	got, err = iss.VerifyVisitor(plain)
	require.NoError(t, err)
	require.False(t, got.Web, "applyToken's tokens are not web sessions")
}

func TestKindsAreNotInterchangeable(t *testing.T) {
	iss, _ := newIssuer(t, modelstest.SQLiteDB(t))
	access, _, _, err := iss.IssueAccess("demo-app-key", "demo", time.Minute)
	require.NoError(t, err)
	vis, err := iss.IssueVisitor(visitor, time.Hour)
	require.NoError(t, err)

	_, err = iss.VerifyVisitor(access)
	require.ErrorIs(t, err, token.ErrInvalid)
	_, err = iss.VerifyAccess(vis)
	require.ErrorIs(t, err, token.ErrInvalid)
	_, err = iss.VerifyAgent(vis)
	require.ErrorIs(t, err, token.ErrInvalid)
	agent, _, err := iss.IssueAgent("agent1", "demo", time.Hour)
	require.NoError(t, err)
	_, err = iss.VerifyVisitor(agent)
	require.ErrorIs(t, err, token.ErrInvalid)
	_, err = iss.VerifyAccess(agent)
	require.ErrorIs(t, err, token.ErrInvalid)
}

func TestAgentRoundTripAndExpiry(t *testing.T) {
	iss, clk := newIssuer(t, modelstest.SQLiteDB(t))
	tok, exp, err := iss.IssueAgent("agent1", "demo", time.Hour)
	require.NoError(t, err)
	got, err := iss.VerifyAgent(tok)
	require.NoError(t, err)
	require.Equal(t, "agent1", got.AgentID)
	require.Equal(t, "demo", got.TenantID)
	require.Equal(t, exp, got.ExpiresAt)
	clk.at = clk.at.Add(time.Hour)
	_, err = iss.VerifyAgent(tok)
	require.ErrorIs(t, err, token.ErrExpired)
	_, _, err = iss.IssueAgent("", "demo", time.Hour)
	require.Error(t, err)
}

func TestAgentSessionCarriesItsVersion(t *testing.T) {
	iss, _ := newIssuer(t, modelstest.SQLiteDB(t))
	tok, _, err := iss.IssueAgentSession(token.AgentClaims{AgentID: "agent1", TenantID: "demo", SessionVersion: 7}, time.Hour)
	require.NoError(t, err)
	got, err := iss.VerifyAgent(tok)
	require.NoError(t, err)
	require.EqualValues(t, 7, got.SessionVersion, "the agent API compares it with the agent's current version")
	old, _, err := iss.IssueAgent("agent1", "demo", time.Hour)
	require.NoError(t, err)
	got, err = iss.VerifyAgent(old)
	require.NoError(t, err)
	require.Zero(t, got.SessionVersion)
}

func TestRejectsForgeries(t *testing.T) {
	iss, clk := newIssuer(t, modelstest.SQLiteDB(t))
	other, _ := newIssuer(t, modelstest.SQLiteDB(t)) // a different database, so a different key
	good, err := iss.IssueVisitor(visitor, time.Hour)
	require.NoError(t, err)
	foreign, err := other.IssueVisitor(visitor, time.Hour)
	require.NoError(t, err)

	claims := jwt.MapClaims{
		"typ": token.TypeVisitor, "ak": "demo-app-key", "tid": "demo", "cid": "1", "uid": "u",
		"iss": "ccflow", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
	none.Header["kid"] = "current"
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"ccmessaging","ak":"demo-app-key","tid":"demo","cid":"1","uid":"someone-else","iss":"ccflow","iat":1,"exp":99999999999}`)) + "." + parts[2]

	for name, tok := range map[string]string{
		"other key": foreign, "alg none": noneTok, "tampered payload": tampered,
		"garbage": "not-a-jwt", "empty": "", "truncated": good[:len(good)-5],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := iss.VerifyVisitor(tok)
			require.ErrorIs(t, err, token.ErrInvalid)
			require.NotErrorIs(t, err, token.ErrExpired)
		})
	}

	t.Run("expired forgery is invalid, not expired", func(t *testing.T) {
		clk.at = t0.Add(2 * time.Hour)
		_, err := iss.VerifyVisitor(foreign)
		require.ErrorIs(t, err, token.ErrInvalid)
	})
}

func TestRejectsTokensFromTheFuture(t *testing.T) {
	iss, clk := newIssuer(t, modelstest.SQLiteDB(t))
	clk.at = t0.Add(time.Hour)
	tok, err := iss.IssueVisitor(visitor, time.Hour)
	require.NoError(t, err)
	clk.at = t0
	_, err = iss.VerifyVisitor(tok)
	require.ErrorIs(t, err, token.ErrInvalid)
}

func TestIssueRejectsIncompleteClaims(t *testing.T) {
	iss, _ := newIssuer(t, modelstest.SQLiteDB(t))
	_, _, _, err := iss.IssueAccess("", "demo", time.Minute)
	require.Error(t, err)
	_, _, _, err = iss.IssueAccess("k", "demo", 0)
	require.Error(t, err)
	missingUser := visitor
	missingUser.UserID = ""
	_, err = iss.IssueVisitor(missingUser, time.Hour)
	require.Error(t, err)
}

// TestReplicasShareOneKey starts issuers concurrently on one database, as
// replicas do, and checks that each verifies what every other one signed.
func TestReplicasShareOneKey(t *testing.T) {
	modelstest.EachDB(t, func(t *testing.T, db *gorm.DB) {
		const replicas = 4
		issuers := make([]*token.Issuer, replicas)
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i := range issuers {
			wg.Go(func() { issuers[i], errs[i] = token.NewIssuer(context.Background(), db) })
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "replica %d", i)
		}
		var n int64
		require.NoError(t, db.Model(&models.SigningKey{}).Count(&n).Error)
		require.EqualValues(t, 1, n)

		for i, a := range issuers {
			tok, err := a.IssueVisitor(visitor, time.Hour)
			require.NoError(t, err)
			for j, b := range issuers {
				_, err := b.VerifyVisitor(tok)
				require.NoError(t, err, "replica %d verifies replica %d's token", j, i)
			}
		}
	})
}

func TestRejectsCorruptStoredKey(t *testing.T) {
	db := modelstest.SQLiteDB(t)
	require.NoError(t, db.Create(&models.SigningKey{ID: "current", Secret: "abcd", CreatedAt: t0}).Error)
	_, err := token.NewIssuer(context.Background(), db)
	require.ErrorContains(t, err, "hex-encoded")
}

func TestATokenVerifiedBeforeIsStillCheckedInFull(t *testing.T) {
	iss, clk := newIssuer(t, modelstest.SQLiteDB(t))
	tok, err := iss.IssueVisitor(visitor, time.Hour)
	require.NoError(t, err)
	for range 2 {
		_, err = iss.VerifyVisitor(tok)
		require.NoError(t, err)
	}
	_, err = iss.VerifyAccess(tok)
	require.ErrorIs(t, err, token.ErrInvalid, "its kind is checked again")
	_, err = iss.VerifyAgent(tok)
	require.ErrorIs(t, err, token.ErrInvalid)

	// A copy with one character inside the signature changed is another
	// token (not the last one, whose low bits base64 may ignore).
	i := len(tok) - 10
	c := "A"
	if tok[i] == 'A' {
		c = "B"
	}
	tampered := tok[:i] + c + tok[i+1:]
	_, err = iss.VerifyVisitor(tampered)
	require.ErrorIs(t, err, token.ErrInvalid)

	clk.at = t0.Add(time.Hour)
	_, err = iss.VerifyVisitor(tok)
	require.ErrorIs(t, err, token.ErrExpired, "and its expiry")
}
