package api

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ccflow/ccflow/internal/ratelimit"
)

// failureGuard slows down guessing of a secret (an agent's password, an app
// key's secret). Only failed attempts count, in two buckets: one per client
// address, which bounds spraying across many accounts, and one per account,
// which bounds guessing one account's secret from many addresses.
//
// An empty account bucket locks the account out, but not from where its owner
// works: an address from which the account's right secret was given in the
// last knownAddrTTL skips the account bucket (its own address bucket still
// applies), and a success resets the account bucket. So an attacker elsewhere
// can hold an account's bucket empty without keeping its owner out. The
// buckets and known addresses live in the process, like every rate limit
// (see package ratelimit): after a restart, or on another replica, an address
// is known again after its next success.
type failureGuard struct {
	perAddr    *ratelimit.Limiter
	perAccount *ratelimit.Limiter
	now        func() time.Time

	mu    sync.Mutex
	known map[string]time.Time
}

const (
	// knownAddrTTL is how long a success makes an address known for an account.
	knownAddrTTL = 30 * 24 * time.Hour
	// maxKnownAddrs bounds the known addresses kept (a few MB at most).
	maxKnownAddrs = 100_000
)

// guardRate is one bucket's refill rate and burst.
type guardRate struct {
	every time.Duration
	burst int
}

// newFailureGuard limits failures at the given rates; now is the clock
// (time.Now, or a test's).
func newFailureGuard(perAddr, perAccount guardRate, now func() time.Time) *failureGuard {
	return &failureGuard{
		perAddr:    ratelimit.New(rate.Every(perAddr.every), perAddr.burst, 10*time.Minute, ratelimit.WithClock(now)),
		perAccount: ratelimit.New(rate.Every(perAccount.every), perAccount.burst, 10*time.Minute, ratelimit.WithClock(now)),
		now:        now,
		known:      map[string]time.Time{},
	}
}

// accountKey folds case, as MySQL's collation does when it looks the account up.
func accountKey(account string) string { return strings.ToLower(strings.TrimSpace(account)) }

func knownKey(account, addr string) string { return accountKey(account) + "\x00" + addr }

// allow tells whether an attempt on account from addr (a ratelimit.ClientKey)
// may go ahead, and if not how long until it may.
func (g *failureGuard) allow(account, addr string) (bool, time.Duration) {
	if ok, wait := g.perAddr.Peek(addr); !ok {
		return false, wait
	}
	if g.isKnown(account, addr) {
		return true, 0
	}
	return g.perAccount.Peek(accountKey(account))
}

// failed counts a failed attempt against both buckets.
func (g *failureGuard) failed(account, addr string) {
	g.perAddr.Take(addr)
	g.perAccount.Take(accountKey(account))
}

// succeeded makes addr known for account and gives the account a full bucket.
func (g *failureGuard) succeeded(account, addr string) {
	g.perAccount.Reset(accountKey(account))
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.known) >= maxKnownAddrs {
		for k, at := range g.known {
			if now.Sub(at) > knownAddrTTL {
				delete(g.known, k)
			}
		}
		// Still full: forget any one, which at worst subjects that owner to
		// the account bucket again.
		for k := range g.known {
			if len(g.known) < maxKnownAddrs {
				break
			}
			delete(g.known, k)
		}
	}
	g.known[knownKey(account, addr)] = now
}

func (g *failureGuard) isKnown(account, addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.known[knownKey(account, addr)]
	return ok && g.now().Sub(at) <= knownAddrTTL
}
