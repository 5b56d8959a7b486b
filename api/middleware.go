package api

import (
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	requestIDHeader = "X-Request-Id"
	requestIDKey    = "request_id"
	// maxBodyBytes bounds every request body; file uploads get their own limit.
	maxBodyBytes = 1 << 20
)

// validRequestID keeps a caller's id only when it is safe to log and echo.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID gives every request an id, the caller's own when it sent a sane one.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !validRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		c.Set(requestIDKey, id)
		c.Header(requestIDHeader, id)
		c.Next()
	}
}

// accessLog writes one structured line per request. Query strings are left
// out: they may carry signatures and user ids.
func accessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		path := c.Request.URL.Path
		if strings.HasPrefix(path, "/rtc/") {
			// The signalling gateway's paths carry a call's access code.
			path = c.FullPath()
		}
		attrs := []any{
			"request_id", c.GetString(requestIDKey),
			"method", c.Request.Method,
			"path", path,
			"status", c.Writer.Status(),
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"bytes", c.Writer.Size(),
			"client", c.ClientIP(),
		}
		if len(c.Errors) > 0 {
			attrs = append(attrs, "error", c.Errors.String())
		}
		logger.Log(c.Request.Context(), level, "http request", attrs...)
	}
}

// recovery turns a handler panic into a 500 with the request id, logged once.
func recovery(logger *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		logger.Error("handler panic", "request_id", c.GetString(requestIDKey), "panic", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{
			"resultCode": "500", "resultDesc": "internal error, request id " + c.GetString(requestIDKey),
		})
	})
}

// limitBody bounds the request body to n bytes. A route's own limitBody
// replaces the engine's (it wraps the original body, not the engine's
// limited one), so a route such as the file upload can raise it.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		raw, ok := c.Get(rawBodyKey)
		body, isBody := raw.(io.ReadCloser)
		if !ok || !isBody {
			body = c.Request.Body
			c.Set(rawBodyKey, body)
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, body, n)
		c.Next()
	}
}

// rawBodyKey holds the request's body as the server read it, before limitBody.
const rawBodyKey = "ccflow.rawBody"

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccflow_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ccflow_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		// The route template, never the raw path: ids in paths would explode the label set.
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
		m.duration.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
	}
}
