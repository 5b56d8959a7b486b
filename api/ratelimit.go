package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/ccflow/ccflow/internal/ratelimit"
)

// Leave-message rate per client address (DESIGN §7): ten a minute with bursts
// of five is far above what a person filling in a form produces, and far below
// what fills a tenant's inbox with junk. A client is forgotten after ten idle
// minutes, by which time its bucket is full again anyway.
const (
	leaveMessagePerMinute = 10
	leaveMessageBurst     = 5
	leaveMessageIdle      = 10 * time.Minute
)

// newLeaveMessageLimiter is the per-client limit in front of spec 002's
// leave-message entry. Each call makes new buckets: register it once and share
// it between the routes that should count together.
func newLeaveMessageLimiter() gin.HandlerFunc {
	return limitPerClient(ratelimit.New(rate.Every(time.Minute/leaveMessagePerMinute), leaveMessageBurst, leaveMessageIdle))
}

// limitPerClient answers a client over its limit with 429 in the spec's
// envelope and a Retry-After header in whole seconds.
func limitPerClient(l *ratelimit.Limiter) gin.HandlerFunc {
	return l.PerClientIP(func(c *gin.Context, wait time.Duration) {
		secs := int(math.Ceil(wait.Seconds()))
		if secs < 1 {
			secs = 1
		}
		c.Header("Retry-After", strconv.Itoa(secs))
		fail(c, &apiError{http.StatusTooManyRequests, "429",
			fmt.Sprintf("too many requests from this client, retry in %d seconds", secs)})
	})
}
