// Package embedded runs a Temporal server and Temporal UI inside the ccflow
// process, persisted to a SQLite file, for the all-in-one mode.
//
// It is the only package besides one integration-test package that imports
// go.temporal.io/server: linking the server is slow, so few binaries should.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiopts "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

const clusterName = "active"

// Options configure the embedded server.
type Options struct {
	// DatabaseFile is the SQLite file holding all Temporal state.
	DatabaseFile string
	// Host is the address the frontend and the UI bind to.
	Host         string
	FrontendPort int
	// UIPort 0 turns Temporal UI off.
	UIPort    int
	Namespace string
	// SearchAttributes are registered with the namespace when it is created,
	// so the very first workflow can use them without waiting for the
	// server's namespace cache to refresh.
	SearchAttributes map[string]enumspb.IndexedValueType
	Logger           *slog.Logger
}

// Server is a running embedded Temporal server, and its UI when enabled.
type Server struct {
	server temporal.Server
	ui     *uiserver.Server
	opts   Options
	// stopping quiets the server's log while Stop runs (see slogLogger).
	stopping *atomic.Bool
}

// Start sets up the schema on a new file, creates the namespace and starts the
// server and the UI. It returns once the frontend accepts connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := portFree(opts.Host, opts.FrontendPort, "CCFLOW_TEMPORAL_PORT"); err != nil {
		return nil, err
	}
	if opts.UIPort != 0 {
		if err := portFree(opts.Host, opts.UIPort, "CCFLOW_UI_PORT"); err != nil {
			return nil, err
		}
	}
	sqlConf := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: opts.DatabaseFile,
		// WAL with synchronous=NORMAL keeps every committed write across a
		// process crash without an fsync per commit (DESIGN §2).
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		},
	}
	if _, err := os.Stat(opts.DatabaseFile); errors.Is(err, os.ErrNotExist) {
		if err := sqliteschema.SetupSchema(sqlConf); err != nil {
			// A half-made file would be taken as set up on the next start.
			_ = os.Remove(opts.DatabaseFile)
			return nil, fmt.Errorf("embedded Temporal: set up schema in %s: %w", opts.DatabaseFile, err)
		}
	}
	// On every start, so that a data directory made by an earlier version is trimmed too.
	if err := trimVisibilityIndexes(ctx, opts.DatabaseFile); err != nil {
		return nil, err
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: namespace %q: %w", opts.Namespace, err)
	}
	if err := sqliteschema.CreateNamespaces(sqlConf, ns); err != nil {
		return nil, fmt.Errorf("embedded Temporal: create namespace in %s: %w", opts.DatabaseFile, err)
	}

	conf, err := serverConfig(opts, sqlConf)
	if err != nil {
		return nil, err
	}
	logger := slogLogger{
		l:        opts.Logger.With("component", "temporal"),
		verbose:  opts.Logger.Enabled(ctx, slog.LevelDebug),
		stopping: &atomic.Bool{},
		warming:  &atomic.Bool{},
	}
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: claim mapper: %w", err)
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("embedded Temporal: start: %w", err)
	}
	s := &Server{server: srv, opts: opts, stopping: logger.stopping}
	if err := waitListening(ctx, s.FrontendAddress()); err != nil {
		s.Stop()
		return nil, err
	}
	if opts.UIPort != 0 {
		s.ui = uiserver.NewServer(uiopts.WithConfigProvider(&uiconfig.Config{
			Host:                opts.Host,
			Port:                opts.UIPort,
			TemporalGRPCAddress: s.FrontendAddress(),
			EnableUI:            true,
			DefaultNamespace:    opts.Namespace,
			CORS:                uiconfig.CORS{CookieInsecure: true},
			HideLogs:            true,
		}))
		go func() {
			if err := s.ui.Start(); err != nil {
				opts.Logger.Error("Temporal UI stopped", "error", err)
			}
		}()
	}
	return s, nil
}

// FrontendAddress is the host:port of the frontend gRPC service.
func (s *Server) FrontendAddress() string {
	return net.JoinHostPort(dialHost(s.opts.Host), strconv.Itoa(s.opts.FrontendPort))
}

// UIURL is Temporal UI's address, or "" when it is off.
func (s *Server) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return "http://" + net.JoinHostPort(dialHost(s.opts.Host), strconv.Itoa(s.opts.UIPort))
}

// Stop stops the UI and the server.
func (s *Server) Stop() {
	s.stopping.Store(true)
	if s.ui != nil {
		s.ui.Stop()
	}
	if err := s.server.Stop(); err != nil {
		s.opts.Logger.Warn("embedded Temporal stop", "error", err)
	}
}

func serverConfig(opts Options, sqlConf *config.SQL) (*config.Config, error) {
	var conf config.Config
	conf.Global.Membership = config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: "127.0.0.1"}
	conf.Persistence = config.Persistence{
		DefaultStore:     sqliteplugin.PluginName,
		VisibilityStore:  sqliteplugin.PluginName,
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlConf}},
	}
	frontendRPC := fmt.Sprintf("127.0.0.1:%d", opts.FrontendPort)
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontendRPC},
		},
	}
	conf.DCRedirectionPolicy = config.DCRedirectionPolicy{Policy: "noop"}
	ports, err := servicePorts(filepath.Join(filepath.Dir(opts.DatabaseFile), "temporal-ports.json"), opts.FrontendPort, opts.UIPort)
	if err != nil {
		return nil, err
	}
	conf.Services = map[string]config.Service{}
	for _, name := range serviceNames {
		p := ports[name]
		svc := config.Service{RPC: config.RPC{BindOnLocalHost: true, GRPCPort: p.GRPC, MembershipPort: p.Membership}}
		if name == "frontend" {
			svc.RPC.GRPCPort = opts.FrontendPort
			svc.RPC.BindOnLocalHost = false
			svc.RPC.BindOnIP = opts.Host
		}
		conf.Services[name] = svc
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontendRPC
	return &conf, nil
}

// dynamicConfig overrides server defaults tuned for a many-shard cluster.
// With one history shard, history.transferProcessorMaxPollRPS (20 a second,
// burst 20) caps the whole server at 20 transfer-queue loads a second: once the
// burst is spent, every workflow task that is not speculative (the one after an
// activity completes, which a send's update then rides) waits up to 50 ms.
// Measured: send-to-answer p50 98 ms before, 16-25 ms after.
//
// The timer and visibility queues have the same 20-a-second cap: a burst of
// conversations starting (each upserting its search attributes) or timing
// out queued behind it for seconds.
//
// A workflow admits 10 Updates in flight by default: routing's one workflow
// per tenant takes every agent's status change as an Update, and 334 agents
// going READY together (a shift starting, ccbench -visitors 1000) were
// refused with ResourceExhausted again and again, so that after a minute
// only 42 conversations had an agent. Routing takes the admitted ones a
// workflow task at a time; the bound keeps one tenant's burst from growing
// without end. (A Temporal cluster needs the same setting; see the README.)
//
// The replication task schedulers run 640 workers by default, parked for
// good in a single cluster: memory an idle all-in-one keeps for nothing.
// (The transfer, timer and visibility queues' 512 workers each were tried
// at 32 too: 50 arrivals then waited a fifth longer for their agent.)
//
// The cross-cluster replication cache keeps the newest history batches (up
// to 8 MB, 20 s) for a replication stream a single cluster never reads:
// 5 MB of an idle all-in-one's live heap. It gets Temporal's minimum.
// (The history service's cache of workflows' mutable state must not be
// smaller than the workflows in flight: at 256, 1,000 conversations closing
// together timed out waiting for its slots.)
func dynamicConfig() dynamicconfig.Client {
	return dynamicconfig.StaticClient{
		dynamicconfig.ReplicationProcessorSchedulerWorkerCount.Key():            1,
		dynamicconfig.ReplicationLowPriorityProcessorSchedulerWorkerCount.Key(): 1,
		dynamicconfig.TransferProcessorMaxPollRPS.Key():                         1000,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():                            1000,
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key():                       1000,
		dynamicconfig.WorkflowExecutionMaxInFlightUpdates.Key():                 routingUpdatesInFlight,
		dynamicconfig.XDCCacheMaxSizeBytes.Key():                                64 * 1024,
	}
}

// routingUpdatesInFlight is how many agents' status changes one tenant's
// routing admits at once.
const routingUpdatesInFlight = 2000

// portFree turns "address already in use" into one clear line before the
// server or the UI would fail on it deep inside their own start-up.
func portFree(host string, port int, name string) error {
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("%s: cannot listen on %s:%d: %w", name, host, port, err)
	}
	return l.Close()
}

// Internal ports come from below Linux's default ephemeral range
// (32768-60999): a port chosen there could be taken by some outgoing
// connection's local end between the check and the server's bind, and the
// server exits when a bind fails.
const (
	internalPortLow  = 20000
	internalPortHigh = 32000
)

// freePort returns a loopback port that is free now, preferring the range
// outgoing connections do not use.
func freePort() (int, error) {
	for range 50 {
		p := internalPortLow + rand.IntN(internalPortHigh-internalPortLow)
		if available(p) {
			return p, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("embedded Temporal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded Temporal: frontend %s did not come up: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// dialHost maps a wildcard bind address to one a client can dial.
func dialHost(host string) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		return "127.0.0.1"
	}
	return host
}

// DatabaseFile is where the embedded server keeps its state inside a data directory.
func DatabaseFile(dataDir string) string {
	return filepath.Join(dataDir, "temporal.db")
}
