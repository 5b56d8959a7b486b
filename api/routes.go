// Package api is ccflow's HTTP API: the spec's public endpoints, the agent and
// admin APIs, health and metrics. Every route is declared in this file.
package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/web"
)

// NewRouter returns the full API for the all-in-one and `ccflow server` roles.
func NewRouter(d Deps) *gin.Engine {
	r := newEngine(d)
	b := newBinder()
	convs := conversations{c: d.Temporal}
	auth := newAuthenticator(d, d.Tokens, func(ctx context.Context, claims token.VisitorClaims) (bool, error) {
		return convs.live(ctx, claims.ChannelConfigID, claims.UserID)
	})
	tokens := newTokenHandlers(d, d.Tokens, b)
	customer := &customerHandlers{d: d, bind: b, convs: convs, queue: d.Queues, faq: d.FAQ}
	leave := newLeaveMessageHandlers(d, d.LeaveMessages)
	chats := newChatRecordHandlers(d, d.ChatRecords)

	r.POST(tokenByAkSkPath, tokens.tokenByAkSk)
	cc := r.Group("/apiaccess/ccmessaging")
	cc.POST("/applyToken", tokens.applyToken)
	full := auth.visitor(visitorOpts{appAuth: true})
	cc.POST("/send", full, customer.send)
	cc.GET("/poll", full, customer.poll)
	// The spec marks all three headers optional here; the visitor token still names the user.
	cc.POST("/queryQueueInfo", auth.visitor(visitorOpts{}), customer.queryQueueInfo)
	cc.POST("/saveSatisfaction", full, customer.saveSatisfaction)
	cc.POST("/v1/robot/feedbacksatisfaction", full, customer.robotFeedback)
	cc.POST("/queryPhraseByKeyword", auth.visitor(visitorOpts{}), customer.queryPhraseByKeyword)
	cc.POST("/doLeaveMessage", full, leave.doLeaveMessage)

	// Spec 002's leave-message entry; {version} is v1.0 or v1, anything else is 404.
	leaveLimit := newLeaveMessageLimiter()
	r.POST("/api/v1.0/:appid/leavemessage", leaveLimit, leave.leaveMessage)
	r.POST("/api/v1/:appid/leavemessage", leaveLimit, leave.leaveMessage)

	// Spec 001's merchant groups.
	groups := &groupHandlers{d: d}
	r.GET("/api/group/:business_id", newGroupsLimiter(), groups.list)

	// Spec 004's chat records, for the visitor of a ccmessaging-token.
	cr := r.Group("/chat-records", chats.visitor(auth))
	cr.GET("/list", chats.list)
	cr.POST("/create", chats.create)
	cr.POST("/delete", chats.delete)
	cr.GET("/chat-list", chats.chatList)

	r.GET("/", func(c *gin.Context) { c.FileFromFS("/", http.FS(web.Static())) })
	return r
}

// NewOpsRouter returns only health and metrics, for the `ccflow worker` role.
func NewOpsRouter(d Deps) *gin.Engine {
	return newEngine(d)
}

func newEngine(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.ContextWithFallback = true
	// Client addresses (rate limits, logs) come from the connection: a caller
	// must not choose its own address with X-Forwarded-For.
	if err := r.SetTrustedProxies(nil); err != nil {
		panic(err)
	}
	httpMetrics := newHTTPMetrics(d.Metrics)
	r.Use(requestID(), accessLog(d.Logger), httpMetrics.middleware(), recovery(d.Logger), limitBody(maxBodyBytes))
	r.NoRoute(notFound)
	r.NoMethod(notFound)
	r.HandleMethodNotAllowed = true
	h := &healthHandlers{d: d}
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	r.GET("/metrics", gin.WrapH(metricsHandler(d.Metrics)))
	return r
}
