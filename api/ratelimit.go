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
		fail(c, tooMany(c, wait))
	})
}

// Agent logins are limited per username, not per address: a call centre's
// agents share one address, and guessing one account's password is the
// attack to slow down. Ten tries a minute is plenty for a person mistyping.
const (
	loginsPerMinute = 10
	loginBurst      = 10
	loginIdle       = 10 * time.Minute
)

func newLoginLimiter() *ratelimit.Limiter {
	return ratelimit.New(rate.Every(time.Minute/loginsPerMinute), loginBurst, loginIdle)
}

// tooMany is the 429 of a limited call, with Retry-After in whole seconds.
func tooMany(c *gin.Context, wait time.Duration) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Header("Retry-After", strconv.Itoa(secs))
	return &apiError{http.StatusTooManyRequests, "429", fmt.Sprintf("too many requests from this client, retry in %d seconds", secs)}
}
