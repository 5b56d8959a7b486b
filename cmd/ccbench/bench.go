package main

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cleanupTimeout bounds the best-effort steps after the run: agents offline,
// agents deleted.
const cleanupTimeout = 30 * time.Second

// historyTimeout bounds counting the run's history events after the run.
const historyTimeout = 10 * time.Minute

// bench is one run's shared state: the clients' caller and everything the
// visitors and agents measure.
type bench struct {
	cfg   config
	runID string
	api   *caller
	// reads is -read-url's replica for polls and event reads (api without it).
	reads    *caller
	errs     *errorCounts
	progress *progress

	v2a, a2v *ledger

	connect    sample
	queue      sample
	v2aLatency sample
	a2vLatency sample
	// The first and the last edgeMessages of each conversation's messages
	// per direction: a long conversation must not get slower as it grows.
	v2aFirst, v2aLast sample
	a2vFirst, a2vLast sample
	conversation      sample
	// The send calls themselves, to tell ccflow's accept time from delivery.
	connectSend sample
	visitorSend sample
	agentSend   sample

	// sampler reads the server's CPU and memory; nil when its pids are unknown.
	sampler *procSampler
	// startGate and idleGate are -burst's and -idle's; nil without them.
	startGate *startGate
	idleGate  *idleGate
}

func newBench(cfg config, hc *http.Client, base string, prog *progress) *bench {
	b := &bench{
		cfg:      cfg,
		runID:    strings.ToLower(crand.Text()[:8]),
		errs:     newErrorCounts(),
		progress: prog,
		v2a:      newLedger(),
		a2v:      newLedger(),
	}
	b.api = &caller{http: hc, base: strings.TrimRight(base, "/"), errs: b.errs}
	b.reads = b.api
	if cfg.ReadURL != "" {
		b.reads = &caller{http: hc, base: strings.TrimRight(cfg.ReadURL, "/"), errs: b.errs}
	}
	return b
}

// visitorID is the user id of visitor i; the run id keeps runs apart on a
// shared ccflow.
func (b *bench) visitorID(i int) string {
	return b.visitorPrefix() + strconv.Itoa(i)
}

// isBenchVisitor says whether a user id is one of this run's visitors, so
// agents leave other conversations alone.
func (b *bench) isBenchVisitor(userID string) bool {
	return strings.HasPrefix(userID, b.visitorPrefix())
}

// visitorPrefix starts the user id of every visitor of this run.
func (b *bench) visitorPrefix() string {
	return "bench-" + b.runID + "-v"
}

// agentSetup is the agents a run logs in as and how to remove them after.
type agentSetup struct {
	accounts []agentAccount
	admin    *adminClient
	// err is why fewer agents than asked for are available.
	err error
}

// prepareAgents returns the -agent-creds accounts, or creates agents with
// the admin key.
func (b *bench) prepareAgents(ctx context.Context, srv *child) agentSetup {
	if len(b.cfg.AgentCreds) > 0 {
		var s agentSetup
		for _, c := range b.cfg.AgentCreds {
			s.accounts = append(s.accounts, agentAccount{Username: c.Username, Password: c.Password})
		}
		return s
	}
	admin := &adminClient{c: b.api, key: b.cfg.AdminKey}
	if srv != nil {
		admin.key = srv.adminKey
		admin.fallbackKey = srv.generatedAdminKey
	}
	accounts, err := provisionAgents(ctx, admin, b.cfg, b.runID)
	return agentSetup{accounts: accounts, admin: admin, err: err}
}

// removeAgents deletes the agents ccbench created.
func (b *bench) removeAgents(ctx context.Context, s agentSetup) error {
	var errs []error
	for _, a := range s.accounts {
		if a.ID == "" || s.admin == nil {
			continue
		}
		if err := s.admin.deleteAgent(ctx, a.ID); err != nil {
			errs = append(errs, fmt.Errorf("delete agent %s: %w", a.Username, err))
		}
	}
	return errors.Join(errs...)
}

// startAgents logs every account in and sets it ready, concurrently; it
// returns the agents that made it and the first few failures.
func (b *bench) startAgents(ctx context.Context, accounts []agentAccount) ([]*benchAgent, error) {
	agents := make([]*benchAgent, len(accounts))
	errs := make([]error, len(accounts))
	var wg sync.WaitGroup
	for i, acct := range accounts {
		wg.Go(func() {
			a := newBenchAgent(b, acct)
			if err := a.start(ctx); err != nil {
				errs[i] = fmt.Errorf("agent %s: %w", acct.Username, err)
				return
			}
			agents[i] = a
		})
	}
	wg.Wait()
	var ok []*benchAgent
	for _, a := range agents {
		if a != nil {
			ok = append(ok, a)
		}
	}
	return ok, errors.Join(firstN(errs, 3)...)
}

// firstN returns up to n non-nil errors.
func firstN(errs []error, n int) []error {
	var out []error
	for _, e := range errs {
		if e != nil && len(out) < n {
			out = append(out, e)
		}
	}
	return out
}

// outcome is how the visitors' conversations ended.
type outcome struct {
	wall       time.Duration
	completed  int
	failed     int
	cutShort   int
	notStarted int
	failures   *errorCounts
	// cut holds the visitors the run's end interrupted; cutIn counts them
	// by the phase they were in, which says where the run got stuck.
	cut   map[string]bool
	cutIn map[string]int
	// timedOut and interrupted say why the run ended early, if it did.
	timedOut    bool
	interrupted bool
	// begin is when the first visitor started.
	begin time.Time
	// usage is the server's processes before and after the visitors ran,
	// when known; usageErr says why not.
	usageBefore, usageAfter procUsage
	usageErr                error
	// idle is the -idle window, when it started.
	idle *idleWindow
}

// driveVisitors starts the visitors, staggered, and waits for all of them
// or for the timeout.
func (b *bench) driveVisitors(ctx context.Context) outcome {
	runCtx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	out := outcome{failures: newErrorCounts(), cut: map[string]bool{}, cutIn: map[string]int{}}
	results := make([]error, b.cfg.Visitors)
	visitors := make([]*benchVisitor, b.cfg.Visitors)
	started := make([]bool, b.cfg.Visitors)
	tokens := &accessTokens{c: b.api, appKey: b.cfg.AppKey, appSecret: b.cfg.AppSecret}
	if b.cfg.Burst {
		b.startGate = newStartGate(b.cfg.Visitors)
	}
	if b.cfg.Idle > 0 {
		b.idleGate = newIdleGate(b.cfg.Idle, b.cfg.Visitors, b.sampler)
	}
	if b.sampler != nil {
		out.usageBefore, out.usageErr = b.sampler.sample()
	}
	b.progress.start()
	begin := time.Now()
	out.begin = begin
	var wg sync.WaitGroup
	for i := range b.cfg.Visitors {
		if i > 0 && sleepCtx(runCtx, b.cfg.stagger()) != nil {
			b.neverStarted(runCtx, b.cfg.Visitors-i)
			break
		}
		id := b.visitorID(i + 1)
		v := &benchVisitor{b: b, id: id, s: &customerSession{
			c: b.api, reads: b.reads, tokens: tokens, appKey: b.cfg.AppKey, channel: b.cfg.Channel, locale: b.cfg.Locale,
			userID: id, userName: "Bench visitor " + strconv.Itoa(i+1),
		}}
		started[i], visitors[i] = true, v
		wg.Go(func() { results[i] = v.run(runCtx) })
	}
	wg.Wait()
	out.wall = time.Since(begin)
	if b.sampler != nil && out.usageErr == nil {
		out.usageAfter, out.usageErr = b.sampler.sample()
	}
	if b.idleGate != nil {
		if w, ok := b.idleGate.result(); ok {
			out.idle = &w
		}
	}
	b.progress.finish()
	out.interrupted = ctx.Err() != nil
	out.timedOut = !out.interrupted && errors.Is(runCtx.Err(), context.DeadlineExceeded)
	for i, err := range results {
		var se *stepError
		switch {
		case !started[i]:
			out.notStarted++
		case err == nil:
			out.completed++
		case errors.As(err, &se):
			out.failed++
			out.failures.addKind(se.kind(), se.Error())
		default:
			out.cutShort++
			out.cut[b.visitorID(i+1)] = true
			out.cutIn[visitors[i].phase.String()]++
		}
	}
	return out
}

// neverStarted counts in the gates the n visitors that the run's end kept
// from starting, so that the gates do not wait for them.
func (b *bench) neverStarted(ctx context.Context, n int) {
	if b.startGate != nil {
		b.startGate.arrive(n)
	}
	if b.idleGate != nil {
		b.idleGate.settle(ctx, n, false)
	}
}

// edgeMessages is how many messages at each end of a conversation the
// first/last latencies take.
const edgeMessages = 10

// edges adds lat to first or last when message index (1-based) is among the
// first or the last edgeMessages of a conversation long enough to have both.
func (b *bench) edges(index int, lat time.Duration, first, last *sample) {
	if b.cfg.Messages < 2*edgeMessages {
		return
	}
	switch {
	case index <= edgeMessages:
		first.add(lat)
	case index > b.cfg.Messages-edgeMessages:
		last.add(lat)
	}
}
