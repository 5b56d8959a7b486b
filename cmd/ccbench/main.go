// Command ccbench is ccflow's load generator: simulated visitors and agents
// drive conversations through the REST API the way real clients do
// (CONNECT, robot, transfer, queue, messages each way, close, rating) and it
// reports throughput, latency percentiles, and lost or duplicated messages.
//
// Run it against a ccflow you started (-url) or let it start the
// all-in-one on a temporary data directory (-embedded); -h lists the flags:
//
//	go run ./cmd/ccbench -embedded -visitors 10 -messages 3
//	go run ./cmd/ccbench -embedded -ccflow /tmp/ccflow -visitors 200 -messages 10 -json
//	CCFLOW_ADMIN_KEY=... go run ./cmd/ccbench -url http://127.0.0.1:8080 -visitors 50
//	go run ./cmd/ccbench -url http://127.0.0.1:8080 -agent-creds agent1:agent1-pass
//	go run ./cmd/ccbench -embedded -visitors 100 -messages 10 -burst
//	go run ./cmd/ccbench -embedded -visitors 300 -messages 3 -poll-wait 30s -idle 2m
//	go run ./cmd/ccbench -url http://127.0.0.1:8080 -temporal 127.0.0.1:7233 -server-pid 4242,4243
//
// Besides latencies and losses, the report gives the chat-phase throughput
// (chat messages both ways over the time from the first chat message's send
// to the last one's arrival) next to the whole run's; the server's CPU
// seconds per 1,000 chat messages, average cores and peak RSS, read from
// /proc for the -embedded child or the -server-pid processes; and the
// workflow history events per conversation (p50, max) and of the other
// workflow types, listed through Temporal's visibility API (CcflowTenant and
// StartTime, so no workflow id is built) and counted from each run's
// history, on the embedded Temporal or the -temporal frontend. What ccbench
// cannot measure it reports as unavailable, never as zero.
//
// -burst gets every visitor's token first, then lets all CONNECTs go at
// once; "connect (CONNECT -> robot greeting)" is their latency. -idle D
// waits until every visitor is with an agent, then holds them all idle for
// D, long-polling with wait=30 as an open chat page does, and reports the
// server's CPU, RSS and the history events written in that window; the chat
// follows. The agents keep their -poll-wait meanwhile.
//
// With -embedded, ccbench builds ./cmd/ccflow (unless -ccflow names a
// binary), starts it with its own admin key in CCFLOW_ADMIN_KEY, free ports
// and Temporal UI off, and stops it with SIGTERM at the end; the temporary
// directory, with ccflow's log, is kept when the run fails. It creates its
// agents through the admin API (tenant, skill group and capacity from the
// flags) and deletes them afterwards; -agent-creds uses existing agents
// instead. -timeout counts from when ccflow is ready, so a first build does
// not eat into it.
//
// A visitor counts as assigned when the SYSTEM message that follows the
// queue notice arrives (ccflow's "已接通座席。"; the queue notice itself also
// mentions 座席, so matching on that word would be wrong). Latencies are
// measured from the start of the call that causes a message to the moment
// the other side's poll or event read returns it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitFailed = 1
	exitSetup  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal ccbench winds down (agents offline, ccflow
	// stopped); restoring the default handler lets a second one end it at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(exitCode(err, os.Stderr))
	}
}

// exitError is a run that ends with a non-zero status.
type exitError struct {
	code int
	err  error
	// printed says the message was shown already (flag parse errors).
	printed bool
}

// Error is the cause.
func (e *exitError) Error() string { return e.err.Error() }

// exitCode prints err and returns the status to exit with.
func exitCode(err error, stderr io.Writer) int {
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = &exitError{code: exitFailed, err: err}
	}
	if !ee.printed {
		// With stderr gone the exit status is all that is left to tell.
		newProgress(stderr, 0).note("%v", ee.err)
	}
	return ee.code
}

// run is the whole program: flags, ccflow, agents, visitors, report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	var ue usageError
	if errors.As(err, &ue) {
		return &exitError{code: exitSetup, err: err, printed: true}
	}
	if err != nil {
		return &exitError{code: exitSetup, err: fmt.Errorf("%w\n(ccbench -h lists the flags)", err)}
	}

	prog := newProgress(stderr, cfg.Visitors)
	hc := newHTTPClient(cfg.Visitors, cfg.Agents)
	defer hc.CloseIdleConnections()
	base := cfg.URL
	var srv *child
	if cfg.Embedded {
		srv, err = startEmbedded(ctx, cfg, prog)
		if err == nil {
			base = srv.url
			prog.note("started ccflow (pid %d) at %s, data in %s; waiting for /readyz", srv.cmd.Process.Pid, srv.url, srv.dataDir)
			err = srv.waitReady(ctx, hc)
		}
		if err != nil {
			return setupFailed(srv, err)
		}
	} else if err := checkReady(ctx, hc, base); err != nil {
		return &exitError{code: exitSetup, err: fmt.Errorf("ccflow at %s is not ready: %w", base, err)}
	}

	b := newBench(cfg, hc, base, prog)
	temporalAddr, pids := cfg.Temporal, cfg.ServerPIDs
	if srv != nil {
		temporalAddr, pids = srv.temporalAddr, []int{srv.cmd.Process.Pid}
	}
	b.sampler = newProcSampler(pids)
	agentsSetup := b.prepareAgents(ctx, srv)
	agents, startErr := b.startAgents(ctx, agentsSetup.accounts)
	setupErr := errors.Join(agentsSetup.err, startErr)
	if setupErr != nil {
		b.progress.note("agents: %d of %d ready: %v", len(agents), cfg.Agents, setupErr)
	}
	if len(agents) == 0 {
		b.progress.note("no agent is serving: the visitors will wait in the queue until -timeout (%s) or ccflow's own queue limit ends the wait", cfg.Timeout)
	}
	prog.note("run %s: %d visitors, %d agents, %d messages each way, against %s",
		b.runID, cfg.Visitors, len(agents), cfg.Messages, base)

	agentsCtx, stopAgents := context.WithCancel(ctx)
	var agentLoops sync.WaitGroup
	for _, a := range agents {
		agentLoops.Go(func() { a.loop(agentsCtx) })
	}
	out := b.driveVisitors(ctx)
	stopAgents()
	agentLoops.Wait()

	// Cleanup runs even after Ctrl-C: agents left READY would take the
	// next run's conversations.
	cleanCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var cleanupErrs []error
	for _, a := range agents {
		if err := a.stop(cleanCtx); err != nil {
			cleanupErrs = append(cleanupErrs, fmt.Errorf("set agent %s offline: %w", a.acct.Username, err))
		}
	}
	if err := b.removeAgents(cleanCtx, agentsSetup); err != nil {
		cleanupErrs = append(cleanupErrs, err)
	}

	rep := b.buildReport(out, agents, setupErr, base)
	hist, histErr := b.countHistory(ctx, temporalAddr, out)
	rep.setHistory(temporalAddr, cfg.Namespace, hist, time.Since(out.begin).Seconds(), histErr)
	if srv != nil {
		rss, err := srv.peakRSS()
		if err != nil {
			rss = "unknown (" + err.Error() + ")"
		}
		rep.Server = &reportServer{PeakRSS: rss, LogPath: srv.logPath}
		if err := srv.stop(); err != nil {
			cleanupErrs = append(cleanupErrs, fmt.Errorf("stop ccflow: %w", err))
		}
	}
	for _, e := range cleanupErrs {
		rep.notes = append(rep.notes, "cleanup: "+e.Error())
	}
	if srv != nil {
		if rep.Passed && len(cleanupErrs) == 0 {
			if err := srv.remove(); err != nil {
				rep.notes = append(rep.notes, "cleanup: "+err.Error())
			}
		} else {
			rep.notes = append(rep.notes, "kept "+srv.dir+"; ccflow's log: "+srv.logPath)
		}
	}
	if err := rep.writeText(stdout); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("write report: %w", err)}
	}
	if cfg.JSON {
		if err := rep.writeJSON(stdout); err != nil {
			return &exitError{code: exitFailed, err: fmt.Errorf("write report: %w", err)}
		}
	}
	return verdict(rep, setupErr)
}

// setupFailed stops a child that started but never became ready and keeps
// its directory for the log.
func setupFailed(srv *child, err error) error {
	switch {
	case srv == nil:
	case srv.cmd == nil:
		// Nothing ran: the directory holds at most a half-built binary.
		if rerr := srv.remove(); rerr != nil {
			err = errors.Join(err, rerr)
		}
	default:
		// An exit before readiness is in err already; stop then only closes the log.
		wasExited := srv.exited()
		if serr := srv.stop(); serr != nil && !wasExited {
			err = errors.Join(err, serr)
		}
		err = fmt.Errorf("%w\nccflow's log: %s", err, srv.logPath)
	}
	return &exitError{code: exitSetup, err: err}
}

// verdict turns the report into the exit status: setup problems first, then
// anything lost, duplicated or unfinished.
func verdict(rep *report, setupErr error) error {
	if setupErr != nil {
		return &exitError{code: exitSetup, err: fmt.Errorf("agents could not be set up: %w", setupErr)}
	}
	if rep.Passed {
		return nil
	}
	var why []string
	m := rep.Messages
	if n := m.VisitorToAgent.Lost + m.AgentToVisitor.Lost; n > 0 {
		why = append(why, fmt.Sprintf("%d messages lost", n))
	}
	if n := m.VisitorToAgent.Duplicated + m.AgentToVisitor.Duplicated; n > 0 {
		why = append(why, fmt.Sprintf("%d messages duplicated", n))
	}
	if n := rep.Config.Visitors - rep.Conversations.Completed; n > 0 {
		msg := fmt.Sprintf("%d of %d conversations did not complete (%s", n, rep.Config.Visitors, rep.Ended)
		if d := cutShortDetail(rep.Conversations.CutShortIn); d != "" {
			msg += "; cut short while " + d
		}
		why = append(why, msg+")")
	}
	return &exitError{code: exitFailed, err: errors.New(strings.Join(why, ", "))}
}
