package api

import (
	"encoding/json"
	"errors"
	"github.com/ccflow/ccflow/internal/chat"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/ccflow/ccflow/internal/ratelimit"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/internal/webentry"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// webSessionPath is where the chat page exchanges its web key for a session.
const webSessionPath = "/api/web/v1/session"

// Exchanges per client address: one per chat page opened, so the limit only
// stops a script guessing keys (which 256 random bits make hopeless anyway).
const (
	webSessionsPerMinute = 30
	webSessionBurst      = 10
	// webSessionBodyLimit bounds the exchange's body: one key.
	webSessionBodyLimit = 4 << 10
)

// webEntryHandlers serve the public ways into the customer chat page: spec
// 000's guest entry, spec 001's visitor entry, and the page's key exchange.
type webEntryHandlers struct {
	d    Deps
	bind *binder
}

// webSessionRequest is the exchange's body.
type webSessionRequest struct {
	Key string `json:"key" validate:"required,max=128"`
}

// webSessionResponse is a web session: the ccmessaging-token and what the
// page needs to call the customer API with it.
type webSessionResponse struct {
	ResultCode      string `json:"resultCode"`
	ResultDesc      string `json:"resultDesc"`
	Token           string `json:"token"`
	ExpiresIn       int    `json:"expiresIn"`
	ChannelConfigID string `json:"channelConfigId"`
	UserID          string `json:"userId"`
	UserName        string `json:"userName"`
	Avatar          string `json:"avatar,omitempty"`
	Locale          string `json:"locale"`
	SkillGroupID    int64  `json:"skillGroupId"`
	TenantName      string `json:"tenantName"`
	// ProductCard is spec 001's product object, when the visitor entry had one.
	ProductCard json.RawMessage `json:"productCard,omitempty"`
}

func newWebSessionLimiter() gin.HandlerFunc {
	return limitPerClient(ratelimit.New(rate.Every(time.Minute/webSessionsPerMinute), webSessionBurst, 10*time.Minute))
}

// session spends a web key and answers a web session's ccmessaging-token.
func (h *webEntryHandlers) session(c *gin.Context) {
	var req webSessionRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	s, err := h.d.WebKeys.Exchange(c.Request.Context(), req.Key)
	if err != nil {
		fail(c, webKeyError(err))
		return
	}
	tok, err := h.d.Tokens.IssueVisitor(token.VisitorClaims{
		TenantID: s.TenantID, AppKey: s.AppKey, ChannelConfigID: s.ChannelConfigID,
		UserID: s.UserID, UserName: s.UserName, Locale: s.Locale,
		Web: true, SkillGroupID: s.SkillGroupID, WebKeyID: s.WebKeyID,
	}, token.VisitorTTL)
	if err != nil {
		fail(c, err)
		return
	}
	out := webSessionResponse{
		ResultCode: "0", ResultDesc: "web session created", Token: tok, ExpiresIn: int(token.VisitorTTL / time.Second),
		ChannelConfigID: s.ChannelConfigID, UserID: s.UserID, UserName: s.UserName, Avatar: s.Avatar,
		Locale: s.Locale, SkillGroupID: s.SkillGroupID, TenantName: s.TenantName,
	}
	if s.ProductCard != "" {
		out.ProductCard = json.RawMessage(s.ProductCard)
	}
	noStore(c)
	c.JSON(http.StatusOK, out)
}

// webKeyError words the store's refusals for the page, which tells the
// visitor to open the chat again from the site.
func webKeyError(err error) error {
	switch {
	case errors.Is(err, webentry.ErrUnknownKey):
		return errUnauthorized("unknown web key")
	case errors.Is(err, webentry.ErrUsedKey):
		return errUnauthorized("web key already used: each key opens one chat, open the chat again from the site")
	case errors.Is(err, webentry.ErrExpiredKey):
		return errUnauthorized("web key expired: open the chat again from the site")
	case errors.Is(err, webentry.ErrTenantMismatch):
		return errForbidden("web key does not match its tenant's web chat")
	}
	return err
}

// pruneKeys sweeps spent keys after a new one was minted. Its failure does
// not concern the caller, whose key is stored, so it is only logged.
func (h *webEntryHandlers) pruneKeys(c *gin.Context) {
	if err := h.d.WebKeys.Prune(c.Request.Context()); err != nil {
		h.d.Logger.WarnContext(c.Request.Context(), "prune web keys", "request_id", c.GetString(requestIDKey), "error", err)
	}
}

// webStart applies what a web entry chose to a conversation about to start:
// its skill group, and the product card for the agent.
func (h *customerHandlers) webStart(c *gin.Context, claims token.VisitorClaims, ch conversation.Channel) (conversation.Channel, chat.Entry, error) {
	if claims.SkillGroupID != 0 {
		ch.SkillGroupID = claims.SkillGroupID
	}
	if claims.WebKeyID == 0 {
		return ch, chat.Entry{}, nil
	}
	card, err := h.d.WebKeys.ProductCard(c.Request.Context(), claims.TenantID, claims.WebKeyID)
	if err != nil {
		return ch, chat.Entry{}, err
	}
	return ch, chat.Entry{ProductCard: card}, nil
}
