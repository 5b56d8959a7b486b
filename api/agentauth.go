package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/token"
)

// agentClaimsKey holds the verified token.AgentClaims in the gin context.
const agentClaimsKey = "ccflow.agent_claims"

// agentRoleKey holds the agent's role as read with the session check.
const agentRoleKey = "ccflow.agent_role"

// sessionReader reads what agentSession checks of an agent (agents.Store).
type sessionReader interface {
	Session(ctx context.Context, tenantID, agentID string) (agents.Session, error)
}

// agentSession checks an agent's session token, from the bearer header or
// the pages' cookie (agentcookie.go), and that the session
// still stands: the agent exists, is not disabled, and has not logged out or
// changed password since (see agentsession.go). The agent's row is read on
// every request, so a revocation counts at once on every replica.
func agentSession(issuer *token.Issuer, sessions sessionReader) gin.HandlerFunc {
	return func(c *gin.Context) {
		raw, err := sessionToken(c)
		if err != nil {
			jsonFail(c, err)
			return
		}
		claims, err := issuer.VerifyAgent(raw)
		if errors.Is(err, token.ErrExpired) {
			jsonFail(c, errUnauthorized("the session has expired, log in again"))
			return
		}
		if err != nil {
			jsonFail(c, errUnauthorized("invalid agent session"))
			return
		}
		s, err := sessions.Session(c.Request.Context(), claims.TenantID, claims.AgentID)
		switch {
		case errors.Is(err, agents.ErrNotFound):
			jsonFail(c, errUnauthorized("the agent of this session no longer exists"))
			return
		case err != nil:
			jsonFail(c, err)
			return
		case s.Disabled:
			jsonFail(c, errUnauthorized("this agent is disabled"))
			return
		case s.Version != claims.SessionVersion:
			jsonFail(c, errUnauthorized("the session has ended (logged out, or the password changed): log in again"))
			return
		}
		c.Set(agentClaimsKey, claims)
		c.Set(agentRoleKey, s.Role)
		c.Next()
	}
}

// agentFrom returns the claims agentSession verified.
func agentFrom(c *gin.Context) token.AgentClaims {
	claims, ok := c.Get(agentClaimsKey)
	if !ok {
		panic("api: agentFrom on a route without the agent session middleware")
	}
	return claims.(token.AgentClaims)
}

// jsonFail answers err in the envelope of ccflow's own APIs (agent, admin):
// {"code": "not_found", "message": "..."}.
func jsonFail(c *gin.Context, err error) {
	ae := classify(c, err)
	c.AbortWithStatusJSON(ae.status, gin.H{"code": statusCode(ae.status), "message": ae.desc})
}

// statusCode is the machine-readable name of an HTTP status.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusGone:
		return "gone"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	return "internal"
}
