package api

import (
	"context"
	"errors"
	"github.com/ccflow/ccflow/internal/chat"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/ratelimit"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/workflows/routing"
)

// Agent sessions are revocable at once on every replica without a token
// list: each session token carries the agent's session version at login
// (token.AgentClaims.SessionVersion), and every agent request reads the
// agent's row (agents.Store.Session, one primary-key read) and refuses the
// token when the agent is gone, disabled, or their version moved on. Logout,
// a password change and a disable move it on, so each ends every session of
// that agent: presence is per agent (a logout takes the agent offline), so
// their sessions end together too.

// AgentOffliner takes an agent out of routing: their open conversations go
// back to their queues and no new ones come. The admin API calls it when it
// deletes or disables an agent.
type AgentOffliner interface {
	TakeOffline(ctx context.Context, tenantID, agentID string) error
}

// loginRequest is an agent's login.
type loginRequest struct {
	Username string `json:"username" validate:"required,max=64"`
	Password string `json:"password" validate:"required,max=128"`
	// Cookie asks for the pages' session: an HttpOnly cookie instead of a
	// token in the body (agentcookie.go).
	Cookie bool `json:"cookie"`
}

// routingOffliner sets the agent OFFLINE with the tenant's routing workflow,
// as the agent's own logout does.
type routingOffliner struct {
	ops  agentOps
	chat *chat.Service
}

func (o routingOffliner) TakeOffline(ctx context.Context, tenantID, agentID string) error {
	// The feed first, as a status change does: the presence sweep then
	// leaves the agent alone.
	if o.chat != nil {
		if err := o.chat.AgentStatus(ctx, tenantID, agentID, string(routing.StatusOffline)); err != nil {
			return err
		}
	}
	// Routing checks a status's capacity even for OFFLINE; any valid one
	// does, since the agent's next status change brings their real one.
	_, err := o.ops.setStatus(ctx, tenantID, routing.AgentStatus{AgentID: agentID, Capacity: 1, Status: routing.StatusOffline})
	return err
}

// agentOffliner is d.AgentOffliner, else routing's when there is a Temporal
// client, else nil (tests of the admin API without Temporal).
func agentOffliner(d Deps) AgentOffliner {
	if d.AgentOffliner != nil {
		return d.AgentOffliner
	}
	if d.Temporal != nil {
		return routingOffliner{ops: agentOps{c: d.Temporal}, chat: d.Chat}
	}
	return nil
}

// takeOffline runs off with a budget of its own: the admin's change is
// already committed, and an agent whose console can no longer read its feed
// is taken offline by routing's idle check anyway, so a failure is logged
// rather than answered.
func takeOffline(ctx context.Context, logger *slog.Logger, off AgentOffliner, tenantID, agentID string) {
	if off == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := off.TakeOffline(ctx, tenantID, agentID); err != nil && logger != nil {
		logger.WarnContext(ctx, "take removed agent out of routing: routing's idle check will", "tenant", tenantID, "agent", agentID, "error", err)
	}
}

// Agent login limits (failed attempts only; see failureGuard): per client
// address 30 at once then one every 10 s, which bounds spraying passwords
// across usernames; per username 10 at once then one a minute, which bounds
// guessing one agent's password from many addresses without locking the
// agent out where they logged in before.
var (
	loginPerAddr     = guardRate{every: 10 * time.Second, burst: 30}
	loginPerUsername = guardRate{every: time.Minute, burst: 10}
)

// agentSessions serve login and logout of the agent API.
type agentSessions struct {
	store  *agents.Store
	chat   *chat.Service
	tokens *token.Issuer
	bind   *binder
	guard  *failureGuard
	// publicURL decides, with the request, whether cookies are Secure.
	publicURL string
}

func newAgentSessions(d Deps, b *binder) *agentSessions {
	return &agentSessions{store: d.Agents, chat: d.Chat, tokens: d.Tokens, bind: b, guard: newFailureGuard(loginPerAddr, loginPerUsername, time.Now), publicURL: d.Settings.PublicURL}
}

// login checks a username and password and answers a session token.
func (h *agentSessions) login(c *gin.Context) {
	var req loginRequest
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	addr := ratelimit.ClientKey(c.ClientIP())
	if ok, wait := h.guard.allow(req.Username, addr); !ok {
		jsonFail(c, tooMany(c, wait))
		return
	}
	a, err := h.store.Authenticate(c.Request.Context(), req.Username, req.Password)
	if errors.Is(err, agents.ErrBadCredentials) {
		h.guard.failed(req.Username, addr)
	}
	if err != nil {
		jsonFail(c, err)
		return
	}
	h.guard.succeeded(req.Username, addr)
	tok, exp, err := h.tokens.IssueAgentSession(token.AgentClaims{
		AgentID: a.ID, TenantID: a.TenantID, SessionVersion: a.SessionVersion,
	}, token.AgentTTL)
	if err != nil {
		jsonFail(c, err)
		return
	}
	// The feed's head: a console that starts here reads what happens from
	// now on, not the events of earlier sessions.
	var head int64
	if h.chat != nil {
		if head, err = h.chat.Log.AgentFeedHead(c.Request.Context(), a.ID); err != nil {
			jsonFail(c, err)
			return
		}
	}
	noStore(c)
	if req.Cookie {
		// The token goes only into the HttpOnly cookie: no script sees it.
		setAgentCookies(c, tok, exp, secureCookies(c, h.publicURL))
		c.JSON(http.StatusOK, gin.H{"expiresAt": exp, "agent": profileOf(a), "cursor": head, "csrf": csrfFor(tok)})
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": tok, "expiresAt": exp, "agent": profileOf(a), "cursor": head})
}

// logout ends every session of the agent before the handler after it takes
// the agent offline: the session ends even if routing cannot be reached.
func (h *agentSessions) logout(c *gin.Context) {
	claims := agentFrom(c)
	if err := h.store.RevokeSessions(c.Request.Context(), claims.TenantID, claims.AgentID); err != nil {
		jsonFail(c, err)
		return
	}
	clearAgentCookies(c, secureCookies(c, h.publicURL))
	c.Next()
}
