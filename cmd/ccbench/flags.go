package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// config is one benchmark run's settings, from the command line.
type config struct {
	URL string
	// ReadURL is the replica for reads; empty means URL.
	ReadURL   string
	Embedded  bool
	CCFlowBin string
	// PprofAddr is the -embedded child's CCFLOW_PPROF_ADDR (empty: off).
	PprofAddr  string
	Visitors   int
	Agents     int
	Capacity   int
	Messages   int
	Ramp       time.Duration
	Think      time.Duration
	Timeout    time.Duration
	Grace      time.Duration
	PollWait   time.Duration
	AppKey     string
	AppSecret  string
	Channel    string
	Locale     string
	Tenant     string
	SkillGroup int64
	AdminKey   string
	AgentCreds []agentCred
	JSON       bool
	// Temporal and Namespace name the Temporal frontend whose histories
	// ccbench counts; -embedded knows its own.
	Temporal  string
	Namespace string
	// ServerPIDs are the server's processes whose CPU and memory ccbench
	// reads from /proc; -embedded knows its own.
	ServerPIDs []int
	// Idle holds every visitor idle with its agent for this long before the
	// chat; 0 skips the idle window.
	Idle time.Duration
	// Burst releases every visitor's CONNECT at the same moment.
	Burst bool
}

// defaultNamespace is the Temporal namespace ccflow uses unless configured otherwise.
const defaultNamespace = "default"

// idlePollWait is the visitors' long-poll wait in the idle window: the
// longest ccflow allows, as an idle chat page would poll.
const idlePollWait = 30 * time.Second

// agentCred is an existing agent's login, for runs without the admin key.
type agentCred struct {
	Username string
	Password string
}

// minAdminKeyLen is the shortest CCFLOW_ADMIN_KEY ccflow accepts; -embedded
// hands -admin-key to the child as that.
const minAdminKeyLen = 16

// defaultStagger spaces visitor starts when no ramp is given: a burst of
// simultaneous CONNECTs measures the accept queue more than ccflow.
const defaultStagger = 2 * time.Millisecond

// usageError is a flag the flag package refused; it has printed the
// message and the usage already.
type usageError struct{ error }

// parseConfig reads the flags; getenv supplies CCFLOW_ADMIN_KEY.
func parseConfig(args []string, getenv func(string) string, usageOut io.Writer) (config, error) {
	var c config
	var creds string
	fs := flag.NewFlagSet("ccbench", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "base URL of a running ccflow")
	fs.StringVar(&c.ReadURL, "read-url", "", "base URL of another `ccflow server` replica on the same database: visitors' polls and agents' event reads go there and everything else to -url, so that every message crosses replicas (default: -url)")
	fs.BoolVar(&c.Embedded, "embedded", false, "start the all-in-one ccflow as a child process on a temporary data directory")
	fs.StringVar(&c.PprofAddr, "pprof", "", "with -embedded, serve the child's Go profiler on this address (its CCFLOW_PPROF_ADDR), e.g. 127.0.0.1:6061")
	fs.StringVar(&c.CCFlowBin, "ccflow", "", "ccflow binary for -embedded (default: go build ./cmd/ccflow from the module root)")
	fs.IntVar(&c.Visitors, "visitors", 10, "simulated visitors, one conversation each")
	fs.IntVar(&c.Agents, "agents", 0, "simulated agents (default: visitors/capacity rounded up)")
	fs.IntVar(&c.Capacity, "capacity", 3, "concurrent conversations per agent, given to the agents ccbench creates")
	fs.IntVar(&c.Messages, "messages", 10, "messages each way per conversation")
	fs.DurationVar(&c.Ramp, "ramp", 0, "spread the visitors' starts over this duration (0: 2ms apart)")
	fs.DurationVar(&c.Think, "think", 0, "a visitor's pause before each message, as a person typing; keeps conversations open (0: none)")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Minute, "the benchmark ends after this, counted from when ccflow is ready")
	fs.DurationVar(&c.Grace, "grace", 30*time.Second, "how long a message may take before it counts as lost")
	fs.DurationVar(&c.PollWait, "poll-wait", 10*time.Second, "long-poll wait of visitors' polls and agents' event reads (1s to 30s)")
	fs.StringVar(&c.AppKey, "app-key", "demo-app-key", "app key for tokenByAkSk")
	fs.StringVar(&c.AppSecret, "app-secret", "demo-app-secret", "app secret for tokenByAkSk")
	fs.StringVar(&c.Channel, "channel", "1011577355744904195", "WEB channel config id the visitors use")
	fs.StringVar(&c.Locale, "locale", "zh", "visitors' locale for applyToken")
	fs.StringVar(&c.Tenant, "tenant", "demo", "tenant of the agents ccbench creates and of the conversations whose history events it counts")
	fs.Int64Var(&c.SkillGroup, "skill-group", 11, "skill group of the agents ccbench creates (the channel's queue)")
	fs.StringVar(&c.AdminKey, "admin-key", "", "admin API key to create agents (default: $CCFLOW_ADMIN_KEY; generated for -embedded)")
	fs.StringVar(&creds, "agent-creds", "", "existing agents as user:pass,user:pass, instead of creating them")
	fs.BoolVar(&c.JSON, "json", false, "also print the summary as JSON")
	fs.StringVar(&c.Temporal, "temporal", "", "Temporal frontend `host:port`, to count the run's workflow history events (default: the embedded one with -embedded; none otherwise)")
	fs.StringVar(&c.Namespace, "namespace", defaultNamespace, "Temporal namespace of ccflow's workflows, with -temporal")
	fs.Func("server-pid", "ccflow processes to measure CPU and memory of, from /proc: `PID[,PID]` (repeatable; summed, e.g. replicas and workers; default: the child with -embedded)", func(v string) error {
		pids, err := parsePIDs(v)
		c.ServerPIDs = append(c.ServerPIDs, pids...)
		return err
	})
	fs.DurationVar(&c.Idle, "idle", 0, "once every visitor is with an agent (the agents need room for all), keep them all idle for this long, long-polling with wait=30, and measure the server meanwhile; the chat follows (0: no idle window)")
	fs.BoolVar(&c.Burst, "burst", false, "release every visitor's CONNECT at the same moment (after all have their tokens) instead of 2ms apart")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprint(w, `ccbench drives simulated visitors and agents through ccflow's REST API:
CONNECT, robot greeting, transfer, queue, messages each way, agent close, rating.

usage: ccbench [-url URL | -embedded] [flags]

Besides latencies and lost or duplicated messages it reports:
  - throughput over the whole run, and over the chat phase only: chat
    messages both ways / time from the first chat message's send to the
    last one's arrival;
  - server CPU seconds per 1,000 chat messages, average cores and peak RSS,
    from /proc (-embedded, or -server-pid);
  - workflow history events per conversation (p50, max) and of the other
    workflow types, from Temporal's visibility and history APIs (-embedded,
    or -temporal);
  - with -idle D, the server's CPU, RSS and history events while every
    visitor sits idle with its agent for D;
  - with -burst, CONNECT -> greeting latency of simultaneous CONNECTs.
Metrics ccbench cannot take are reported as unavailable, never as zero.

`)
		fs.PrintDefaults()
		fmt.Fprint(w, `
exit status: 0 all conversations completed with no message lost or duplicated;
1 a message was lost or duplicated, or a conversation did not complete;
2 bad flags, or ccflow could not be started or reached, or no agent could serve.
`)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	urlSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "url" {
			urlSet = true
		}
	})
	var err error
	if c.AgentCreds, err = parseAgentCreds(creds); err != nil {
		return c, err
	}
	if c.AdminKey == "" && !c.Embedded {
		c.AdminKey = getenv("CCFLOW_ADMIN_KEY")
	}
	if c.Agents == 0 && len(c.AgentCreds) == 0 && c.Capacity > 0 {
		c.Agents = max(1, (c.Visitors+c.Capacity-1)/c.Capacity)
	}
	if len(c.AgentCreds) > 0 {
		c.Agents = len(c.AgentCreds)
	}
	return c, c.validate(urlSet)
}

// validate checks the settings together; urlSet says -url was given explicitly.
func (c config) validate(urlSet bool) error {
	var errs []error
	if c.Embedded && urlSet {
		errs = append(errs, errors.New("-url and -embedded exclude each other"))
	}
	if c.CCFlowBin != "" && !c.Embedded {
		errs = append(errs, errors.New("-ccflow needs -embedded"))
	}
	if c.PprofAddr != "" && !c.Embedded {
		errs = append(errs, errors.New("-pprof needs -embedded (set CCFLOW_PPROF_ADDR on a server you start yourself)"))
	}
	if c.ReadURL != "" {
		u, err := url.Parse(c.ReadURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("-read-url %q is not an http(s) URL", c.ReadURL))
		}
		if c.Embedded {
			errs = append(errs, errors.New("-read-url needs -url: -embedded runs one all-in-one process"))
		}
	}
	if !c.Embedded {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("-url %q is not an http(s) URL", c.URL))
		}
		if c.AdminKey == "" && len(c.AgentCreds) == 0 {
			errs = append(errs, errors.New("agents: give -admin-key (or CCFLOW_ADMIN_KEY) to create them, or -agent-creds user:pass,... to use existing ones"))
		}
	}
	if c.Embedded && c.AdminKey != "" && len(c.AdminKey) < minAdminKeyLen {
		errs = append(errs, fmt.Errorf("-admin-key must be at least %d characters: ccflow refuses shorter keys", minAdminKeyLen))
	}
	if c.Visitors < 1 {
		errs = append(errs, errors.New("-visitors must be at least 1"))
	}
	if c.Agents < 1 {
		errs = append(errs, errors.New("-agents must be at least 1"))
	}
	if c.Capacity < 1 {
		errs = append(errs, errors.New("-capacity must be at least 1"))
	}
	if c.Messages < 1 {
		errs = append(errs, errors.New("-messages must be at least 1"))
	}
	if c.Ramp < 0 {
		errs = append(errs, errors.New("-ramp must not be negative"))
	}
	if c.Think < 0 {
		errs = append(errs, errors.New("-think must not be negative"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("-timeout must be positive"))
	}
	if c.Grace <= 0 {
		errs = append(errs, errors.New("-grace must be positive"))
	}
	if c.PollWait < time.Second || c.PollWait > 30*time.Second || c.PollWait%time.Second != 0 {
		errs = append(errs, errors.New("-poll-wait must be whole seconds from 1s to 30s"))
	}
	if c.AppKey == "" || c.AppSecret == "" || c.Channel == "" {
		errs = append(errs, errors.New("-app-key, -app-secret and -channel must not be empty"))
	}
	if c.SkillGroup < 1 {
		errs = append(errs, errors.New("-skill-group must be a positive id"))
	}
	errs = append(errs, c.validateMeasurements()...)
	return errors.Join(errs...)
}

// validateMeasurements checks the flags of the server-side measurements and
// the idle and burst scenarios.
func (c config) validateMeasurements() []error {
	var errs []error
	if c.Embedded && c.Temporal != "" {
		errs = append(errs, errors.New("-temporal and -embedded exclude each other: -embedded counts on its own Temporal"))
	}
	if c.Embedded && c.Namespace != defaultNamespace {
		errs = append(errs, errors.New("-namespace needs -temporal: the embedded ccflow uses namespace "+defaultNamespace))
	}
	if c.Embedded && len(c.ServerPIDs) > 0 {
		errs = append(errs, errors.New("-server-pid and -embedded exclude each other: -embedded measures its own child"))
	}
	if c.Temporal != "" {
		if _, _, err := net.SplitHostPort(c.Temporal); err != nil {
			errs = append(errs, fmt.Errorf("-temporal %q is not host:port", c.Temporal))
		}
	}
	if c.Namespace == "" {
		errs = append(errs, errors.New("-namespace must not be empty"))
	}
	if c.Idle < 0 {
		errs = append(errs, errors.New("-idle must not be negative"))
	}
	// The idle window starts once every visitor is with an agent, which
	// the agents ccbench creates must have room for.
	if c.Idle > 0 && len(c.AgentCreds) == 0 && c.Agents > 0 && c.Capacity > 0 && c.Agents*c.Capacity < c.Visitors {
		errs = append(errs, fmt.Errorf("-idle needs room for every visitor with an agent: %d agents x capacity %d < %d visitors", c.Agents, c.Capacity, c.Visitors))
	}
	if c.Burst && c.Ramp > 0 {
		errs = append(errs, errors.New("-burst and -ramp exclude each other"))
	}
	return errs
}

// parseAgentCreds reads "user:pass,user:pass"; a password may contain ':'.
func parseAgentCreds(s string) ([]agentCred, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []agentCred
	for part := range strings.SplitSeq(s, ",") {
		user, pass, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("-agent-creds: %q is not user:password", part)
		}
		out = append(out, agentCred{Username: user, Password: pass})
	}
	return out, nil
}

// parsePIDs reads "123" or "123,456".
func parsePIDs(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || pid < 1 {
			return nil, fmt.Errorf("%q is not a process id", part)
		}
		out = append(out, pid)
	}
	return out, nil
}

// stagger is the delay between two visitors' starts; none in a burst.
func (c config) stagger() time.Duration {
	if c.Burst {
		return 0
	}
	if c.Ramp <= 0 || c.Visitors < 2 {
		return defaultStagger
	}
	return c.Ramp / time.Duration(c.Visitors-1)
}
