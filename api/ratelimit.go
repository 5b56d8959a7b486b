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

// Spec 002's leave-message entry is signed server-to-server: an app's backend
// relays all its users' messages from one address, so it is limited per
// appid, counting authentic requests only (leaveMessageHandlers.perApp,
// CCFLOW_LEAVE_MESSAGE_PER_MINUTE, default 600 a minute with bursts of a sixth
// of that). Per client address only failed requests count (a bad signature or
// timestamp, a replay, an unknown appid): ten a minute with bursts of five
// stops anyone guessing signatures or flooding with junk without slowing a
// backend that signs correctly. A client is forgotten after ten idle minutes,
// by which time its bucket is full again anyway.
const (
	leaveMessagePerMinute        = 10
	leaveMessageBurst            = 5
	leaveMessageIdle             = 10 * time.Minute
	defaultLeaveMessagePerMinute = 600
)

// newLeaveMessageLimiter is the per-client limit of failed requests in front
// of spec 002's leave-message entry. Each call makes new buckets: register it
// once and share it between the routes that should count together.
func newLeaveMessageLimiter() gin.HandlerFunc {
	l := ratelimit.New(rate.Every(time.Minute/leaveMessagePerMinute), leaveMessageBurst, leaveMessageIdle)
	return func(c *gin.Context) {
		key := ratelimit.ClientKey(c.ClientIP())
		if ok, wait := l.Peek(key); !ok {
			fail(c, tooMany(c, wait))
			return
		}
		c.Next()
		if s := c.Writer.Status(); s == http.StatusUnauthorized || s == http.StatusNotFound {
			l.Take(key)
		}
	}
}

// newAppLeaveLimiter is the per-appid limit of authentic spec 002 requests.
func newAppLeaveLimiter(perMinute int) *ratelimit.Limiter {
	if perMinute <= 0 {
		perMinute = defaultLeaveMessagePerMinute
	}
	return ratelimit.New(rate.Every(time.Minute/time.Duration(perMinute)), max(10, perMinute/6), leaveMessageIdle)
}

// Limits per visitor (the ccmessaging-token's user of a channel config) of
// the customer calls that store what the visitor writes outside a
// conversation, counting what they stored: doLeaveMessage (a person leaves a message or two, so five at
// once and then one a minute) and spec 004's chat-records/create (a client
// writing its chat, so thirty at once and then one a second).
var (
	doLeaveMessagePerVisitor = guardRate{every: time.Minute, burst: 5}
	chatCreatePerVisitor     = guardRate{every: time.Second, burst: 30}
)

// limitPerVisitor limits what each visitor of a ccmessaging-token stores:
// only answers below 400 count, so a refused request (a typo in a phone
// number) costs nothing, and an empty bucket refuses every request. It runs
// after the visitor middleware; deny answers in the route family's envelope.
func limitPerVisitor(r guardRate, deny func(*gin.Context, error)) gin.HandlerFunc {
	l := ratelimit.New(rate.Every(r.every), r.burst, 10*time.Minute)
	return func(c *gin.Context) {
		v := visitorFrom(c)
		key := v.TenantID + "\x00" + v.ChannelConfigID + "\x00" + v.UserID
		if ok, wait := l.Peek(key); !ok {
			deny(c, tooMany(c, wait))
			return
		}
		c.Next()
		if c.Writer.Status() < http.StatusBadRequest {
			l.Take(key)
		}
	}
}

// limitPerClient answers a client over its limit with 429 in the spec's
// envelope and a Retry-After header in whole seconds.
func limitPerClient(l *ratelimit.Limiter) gin.HandlerFunc {
	return l.PerClientIP(func(c *gin.Context, wait time.Duration) {
		fail(c, tooMany(c, wait))
	})
}

// tooMany is the 429 of a limited call, with Retry-After in whole seconds.
func tooMany(c *gin.Context, wait time.Duration) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Header("Retry-After", strconv.Itoa(secs))
	return &apiError{http.StatusTooManyRequests, "429", fmt.Sprintf("too many requests from this client, retry in %d seconds", secs)}
}
