// Package api is ccflow's HTTP API: the spec's public endpoints, the agent and
// admin APIs, health and metrics. Every route is declared in this file.
package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/web"
)

// NewRouter returns the full API for the all-in-one and `ccflow server` roles.
func NewRouter(d Deps) *gin.Engine {
	r := newEngine(d)
	customer := &customerHandlers{d: d, bind: newBinder()}
	cc := r.Group("/apiaccess/ccmessaging")
	cc.POST("/send", customer.send)
	cc.GET("/poll", customer.poll)
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
