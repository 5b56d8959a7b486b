// Package api is ccflow's HTTP API: the spec's public endpoints, the agent and
// admin APIs, health and metrics. Every route is declared in this file.
package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/web"
	"github.com/ccflow/ccflow/workflows/call"
)

// NewRouter returns the full API for the all-in-one and `ccflow server` roles.
func NewRouter(d Deps) *gin.Engine {
	r := newEngine(d)
	b := newBinder()
	auth := newAuthenticator(d, d.Tokens, func(ctx context.Context, claims token.VisitorClaims) (bool, error) {
		return d.Chat.Live(ctx, claims.ChannelConfigID, claims.UserID)
	})
	tokens := newTokenHandlers(d, d.Tokens, b)
	customer := &customerHandlers{d: d, bind: b, chat: d.Chat, routing: agentOps{c: d.Temporal}, faq: d.FAQ}
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
	cc.POST("/doLeaveMessage", full, limitPerVisitor(doLeaveMessagePerVisitor, fail), leave.doLeaveMessage)

	// Spec 003 §8–9's files (files.go); only the upload raises the body limit.
	fileRoutes := &fileHandlers{files: d.Files}
	r.POST(uploadFilePath, limitBody(uploadBodyLimit(d.Files)), full, fileRoutes.upload)
	r.POST(downloadFilePath, full, fileRoutes.download)
	// A webhook's media message links here; the link's signature is its credential.
	r.GET(fileLinkPath, newFileLinkHandlers(d.Files).get)

	// Spec 002's leave-message entry; {version} is v1.0 or v1, anything else is 404.
	leaveLimit := newLeaveMessageLimiter()
	r.POST("/api/v1.0/:appid/leavemessage", leaveLimit, leave.leaveMessage)
	r.POST("/api/v1/:appid/leavemessage", leaveLimit, leave.leaveMessage)

	// Spec 001's merchant groups.
	groups := &groupHandlers{d: d}
	r.GET("/api/group/:business_id", newGroupsLimiter(), groups.list)

	// The customer chat page and its public ways in: spec 000's guest entry
	// and spec 001's visitor entry mint a single-use web key, which the page
	// exchanges for a web session (a ccmessaging-token needing no app headers).
	entries := &webEntryHandlers{d: d, bind: b}
	r.POST(guestEntryPath, newGuestEntryLimiter(), entries.guestEntry)
	r.GET(visitorEntryPath, newVisitorEntryLimiter(), entries.visitorEntry)
	r.POST(webSessionPath, newWebSessionLimiter(), limitBody(webSessionBodyLimit), entries.session)
	r.GET(chatPagePath, chatAsset("chat.html"))
	r.GET(chatPagePath+"/:file", chatFile)

	// The agent console; it calls the agent API below.
	r.GET(agentPagePath, agentPage)
	r.GET(agentPagePath+"/assets/:file", agentAsset)
	r.GET(supervisorPagePath, supervisorPage)

	// Spec 004's chat records, for the visitor of a ccmessaging-token.
	cr := r.Group("/chat-records", chats.visitor(auth))
	cr.GET("/list", chats.list)
	cr.POST("/create", limitPerVisitor(chatCreatePerVisitor, chatFail), chats.create)
	cr.POST("/delete", chats.delete)
	cr.GET("/chat-list", chats.chatList)

	// ccflow's agent workspace API (bearer session from login).
	agent := &agentHandlers{store: d.Agents, chat: d.Chat, ops: agentOps{c: d.Temporal}, tokens: d.Tokens, faq: d.FAQ, bind: b, notes: supervisorStore(d)}
	sessions := newAgentSessions(d, b)
	av := r.Group("/api/agent/v1")
	av.POST("/login", sessions.login)
	as := av.Group("", agentSession(d.Tokens, d.Agents))
	as.GET("/me", agent.state)
	as.PUT("/status", agent.setStatus)
	as.POST("/logout", sessions.logout, agent.logout)
	as.GET("/events", agent.events)
	as.GET("/conversations", agent.listConversations)
	as.GET("/conversations/:id", agent.getConversation)
	as.GET("/conversations/:id/messages", agent.listMessages)
	as.POST("/conversations/:id/messages", agent.sendMessage)
	as.POST("/conversations/:id/typing", agent.typing)
	as.POST("/conversations/:id/transfer", agent.transfer)
	as.POST("/conversations/:id/close", agent.close)
	as.GET("/queue", agent.queue)
	as.GET("/phrases", agent.phrases)
	// Files the agent sends and receives (agentfiles.go).
	as.POST("/files", limitBody(agentUploadBodyLimit(d.Files)), fileRoutes.agentUpload)
	as.GET("/files/:key", fileRoutes.agentDownload)
	agentLeave := &agentLeaveHandlers{store: d.LeaveMessages, bind: b}
	as.GET("/leave-messages", agentLeave.list)
	as.GET("/leave-messages/:id", agentLeave.get)
	as.PUT("/leave-messages/:id/tag", agentLeave.tag)
	// Colleagues for a transfer (any agent), then the supervisor's live view
	// and reports (supervisor.go); a supervisor reads any conversation's
	// messages through /conversations above.
	sup := newSupervisorHandlers(d, b)
	as.GET("/colleagues", sup.colleagues)
	as.GET("/conversations/:id/notes", sup.notes)
	sv := as.Group("/supervisor", supervisorOnly)
	sv.GET("/live", sup.live)
	sv.GET("/reports", sup.report)
	sv.POST("/conversations/:id/whisper", sup.whisper)
	sv.GET("/estimates", sup.estimates)
	sv.POST("/conversations/:id/take-over", sup.takeOver)

	// ccflow's admin API (admin key).
	adm := newAdminHandlers(d, b)
	ad := r.Group("/api/admin/v1", adm.auth)
	ad.GET("/tenants", adm.tenants.list)
	ad.POST("/tenants", adm.tenants.create)
	ad.GET("/tenants/:id", adm.tenants.get)
	ad.PUT("/tenants/:id", adm.tenants.update)
	ad.DELETE("/tenants/:id", adm.tenants.remove)
	ad.GET("/app-keys", adm.appKeys.list)
	ad.POST("/app-keys", adm.appKeys.create)
	ad.GET("/app-keys/:id", adm.appKeys.get)
	ad.PUT("/app-keys/:id", adm.appKeys.update)
	ad.DELETE("/app-keys/:id", adm.appKeys.remove)
	ad.POST("/app-keys/:id/rotate", adm.appKeys.rotate)
	ad.GET("/channel-configs", adm.channels.list)
	ad.POST("/channel-configs", adm.channels.create)
	ad.GET("/channel-configs/:id", adm.channels.get)
	ad.PUT("/channel-configs/:id", adm.channels.update)
	ad.DELETE("/channel-configs/:id", adm.channels.remove)
	ad.GET("/skill-groups", adm.skillGroups.list)
	ad.POST("/skill-groups", adm.skillGroups.create)
	ad.GET("/skill-groups/:id", adm.skillGroups.get)
	ad.PUT("/skill-groups/:id", adm.skillGroups.update)
	ad.DELETE("/skill-groups/:id", adm.skillGroups.remove)
	ad.GET("/agents", adm.agents.list)
	ad.POST("/agents", adm.agents.create)
	ad.GET("/agents/:id", adm.agents.get)
	ad.PUT("/agents/:id", adm.agents.update)
	ad.DELETE("/agents/:id", adm.agents.remove)
	ad.GET("/faq", adm.faq.list)
	ad.POST("/faq", adm.faq.create)
	ad.GET("/faq/:id", adm.faq.get)
	ad.PUT("/faq/:id", adm.faq.update)
	ad.DELETE("/faq/:id", adm.faq.remove)
	ad.GET("/webhooks", adm.webhooks.list)
	ad.POST("/webhooks", adm.webhooks.create)
	ad.GET("/webhooks/:id", adm.webhooks.get)
	ad.PUT("/webhooks/:id", adm.webhooks.update)
	ad.DELETE("/webhooks/:id", adm.webhooks.remove)
	ad.POST("/webhooks/:id/rotate", adm.webhooks.rotate)

	// Click-to-call (spec 003 §11–14; issue 15): the visitor's calls, the
	// agent's call controls, ccflow's WebRTC signalling gateway, the admin
	// settings per channel, and mobileagent/createcall (§16).
	callsAPI := &callHandlers{d: d, bind: b, calls: d.Calls}
	// The spec marks createClickToCall's headers optional, like queryQueueInfo's.
	cc.POST("/v1/createClickToCall", auth.visitor(visitorOpts{}), callsAPI.create)
	cc.GET("/v1/getClickToCallEvents", full, callsAPI.events)
	cc.GET("/v1/checkClickToCallSupport", full, callsAPI.support)
	cc.POST("/v1/dropClickToCall", full, callsAPI.drop)
	mobile := &mobileCallHandlers{d: d, bind: b}
	cc.POST("/v1/mobileagent/createcall", mobile.appOnly, mobile.create)
	agentCalls := &agentCallHandlers{d: d, bind: b, calls: d.Calls}
	as.GET("/calls", agentCalls.list)
	as.GET("/calls/:id", agentCalls.get)
	as.POST("/calls/:id/accept", agentCalls.act(call.UpdateAccept))
	as.POST("/calls/:id/reject", agentCalls.act(call.UpdateReject))
	as.POST("/calls/:id/hangup", agentCalls.act(call.UpdateDrop))
	as.POST("/calls/:id/answer", limitBody(maxSDPBytes+1024), agentCalls.answer)
	gateway := &rtcGatewayHandlers{d: d, bind: b, calls: d.Calls}
	r.GET(rtcGatewayPath, gateway.get)
	r.POST(rtcGatewayPath+"/offer", limitBody(maxSDPBytes+1024), gateway.offer)
	adminCalls := &adminCallHandlers{bind: b, store: d.CallStore}
	ad.GET("/channel-configs/:id/click-to-call", adminCalls.get)
	ad.PUT("/channel-configs/:id/click-to-call", adminCalls.update)
	// Outbound calls over SIP (§16): the SIP service's settings, each tenant's switch and own trunk.
	adminSIP := &adminSIPHandlers{bind: b, info: d.SIP, store: d.OutboundStore}
	ad.GET("/sip", adminSIP.get)
	ad.GET("/tenants/:id/outbound-calls", adminSIP.tenantGet)
	ad.PUT("/tenants/:id/outbound-calls", adminSIP.tenantUpdate)
	ad.GET("/tenants/:id/sip-trunk", adminSIP.trunkGet)
	ad.PUT("/tenants/:id/sip-trunk", adminSIP.trunkPut)
	ad.DELETE("/tenants/:id/sip-trunk", adminSIP.trunkDelete)

	// The OpenAPI description of every route above, and its reference page.
	// A route added here and not to openapi/openapi.yaml fails
	// TestEveryRouteIsDocumented.
	docs := newDocsHandlers()
	r.GET("/openapi.yaml", docs.yaml)
	r.GET("/openapi.json", docs.json)
	r.GET(docsPagePath, docs.page)
	r.GET(docsPagePath+"/:file", docs.asset)

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
	// Client addresses (rate limits, logs) come from the connection unless it
	// is from a trusted proxy (CCFLOW_TRUSTED_PROXIES): a caller must not
	// choose its own address with X-Forwarded-For.
	if err := r.SetTrustedProxies(d.Settings.trustedProxies()); err != nil {
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
	r.GET("/metrics", metricsAccess(d.Settings.MetricsKey), gin.WrapH(metricsHandler(d.Metrics)))
	return r
}
