package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type healthHandlers struct{ d Deps }

// healthz answers as long as the process serves HTTP.
func (h *healthHandlers) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when every dependency check passes.
func (h *healthHandlers) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := gin.H{}
	status := http.StatusOK
	for _, rc := range h.d.Ready {
		if err := rc.Check(ctx); err != nil {
			checks[rc.Name] = err.Error()
			status = http.StatusServiceUnavailable
			continue
		}
		checks[rc.Name] = "ok"
	}
	state := "ready"
	if status != http.StatusOK {
		state = "not ready"
	}
	c.JSON(status, gin.H{"status": state, "checks": checks})
}

func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// metricsAccess guards /metrics, which tells anyone how busy ccflow is and
// which routes exist: a request passes with Authorization: Bearer KEY
// (CCFLOW_METRICS_KEY, compared in constant time), or over a direct loopback
// connection that no proxy forwarded (a scraper on the same host). Anything
// else is 404, as if there were no /metrics to find.
func metricsAccess(key string) gin.HandlerFunc {
	want := sha256.Sum256([]byte(key))
	return func(c *gin.Context) {
		if key != "" {
			if given, ok := bearerToken(c.GetHeader(authorizationHeader)); ok {
				got := sha256.Sum256([]byte(given))
				if subtle.ConstantTimeCompare(want[:], got[:]) == 1 {
					c.Next()
					return
				}
			}
		}
		if directLoopback(c.Request) {
			c.Next()
			return
		}
		jsonFail(c, &apiError{http.StatusNotFound, "404", "no such path: /metrics (send Authorization: Bearer CCFLOW_METRICS_KEY)"})
	}
}

// directLoopback tells whether r came over a loopback connection and carries
// no forwarding header, i.e. not through a reverse proxy on the same host.
func directLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return false
	}
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	return true
}
