package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/api"
	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/calls"
	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/clicktocall"
	"github.com/ccflow/ccflow/internal/config"
	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/embedded"
	"github.com/ccflow/ccflow/internal/leavemsg"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/internal/records"
	"github.com/ccflow/ccflow/internal/temporalx"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/internal/transfer"
	"github.com/ccflow/ccflow/internal/webentry"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/worker"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// Run runs a role until ctx is cancelled, then shuts it down. Start-up
// progress and the URLs served go to out.
func Run(ctx context.Context, role config.Role, cfg config.Config, logger *slog.Logger, out io.Writer) error {
	s := &stack{logger: logger}
	defer s.stop()
	if cfg.PprofAddr != "" && role != config.RoleMigrate {
		if err := servePprof(s, cfg.PprofAddr, cfg.ShutdownTimeout); err != nil {
			return err
		}
	}
	// The SDK's workflow cache is one per process, sized when its first
	// worker is made: in the all-in-one that is the embedded Temporal
	// server's own system worker, before ccflow's.
	sdkworker.SetStickyWorkflowCacheSize(cfg.WorkflowCacheSize)
	tuneGC(cfg)
	var err error
	switch role {
	case config.RoleMigrate:
		return migrateOnly(ctx, cfg, logger)
	case config.RoleAllInOne:
		err = allInOne(ctx, s, cfg, out)
	case config.RoleServer:
		err = server(ctx, s, cfg, out)
	case config.RoleWorker:
		err = workerRole(ctx, s, cfg, out)
	case config.RoleTemporal:
		err = temporalOnly(ctx, s, cfg, out)
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down", "role", role)
	start := time.Now()
	s.stop()
	logger.Info("stopped", "role", role, "took", time.Since(start).String())
	return nil
}

func migrateOnly(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB(db, logger)
	if err := models.Migrate(ctx, db); err != nil {
		return fmt.Errorf("migrate %s database: %w", cfg.DBDriver, err)
	}
	v, err := models.MigrationVersion(ctx, db)
	if err != nil {
		return err
	}
	logger.Info("database migrated", "driver", cfg.DBDriver, "version", v)
	if demo, err := cfg.DemoEnabled(config.RoleMigrate); err != nil || !demo {
		return err
	}
	loaded, err := models.SeedDemo(ctx, db)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	logger.Info("demo data", "loaded", loaded)
	return nil
}

// database opens, migrates and (when enabled) seeds the application database.
func database(ctx context.Context, s *stack, cfg config.Config, role config.Role) (*gorm.DB, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.onStop(func() { closeDB(db, s.logger) })
	if role == config.RoleAllInOne {
		if err := models.Migrate(ctx, db); err != nil {
			return nil, fmt.Errorf("migrate %s database: %w", cfg.DBDriver, err)
		}
	} else if err := models.CheckSchema(ctx, db); err != nil {
		// Replicas never migrate: `ccflow migrate` runs once, before them.
		return nil, err
	}
	demo, err := cfg.DemoEnabled(role)
	if err != nil {
		return nil, err
	}
	if demo {
		loaded, err := models.SeedDemo(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("load demo data: %w", err)
		}
		if loaded {
			s.logger.Info("demo data loaded")
		}
	}
	return db, nil
}

func allInOne(ctx context.Context, s *stack, cfg config.Config, out io.Writer) error {
	if err := holdDataDir(s, cfg.DataDir); err != nil {
		return err
	}
	ln, err := listen(s, cfg.HTTPAddr)
	if err != nil {
		return err
	}
	key, keyFile, err := cfg.ResolveAdminKey(config.RoleAllInOne)
	if err != nil {
		return err
	}
	db, err := database(ctx, s, cfg, config.RoleAllInOne)
	if err != nil {
		return err
	}
	address, uiURL := cfg.TemporalAddress, ""
	if address == "" {
		if address, uiURL, err = startEmbedded(ctx, s, cfg); err != nil {
			return err
		}
	}
	reg := newRegistry()
	c, err := dialTemporal(ctx, s, address, cfg.TemporalNamespace, reg)
	if err != nil {
		return err
	}
	m, err := messageLog(s, db, false)
	if err != nil {
		return err
	}
	if err := startWorker(ctx, s, cfg, c, db, m.log, m.hub, ln.Addr()); err != nil {
		return err
	}
	deps, err := apiDeps(ctx, s, db, c, reg, m)
	if err != nil {
		return err
	}
	deps.AdminKey = key
	harden(&deps, cfg, ln.Addr())
	if err := withFiles(ctx, s, cfg, db, &deps); err != nil {
		return err
	}
	if err := setUpCalls(s, &deps, cfg); err != nil {
		return err
	}
	if err := setUpSIP(s, &deps, cfg, db); err != nil {
		return err
	}
	serveHTTP(s, ln, api.NewRouter(deps), cfg.ShutdownTimeout)
	base := "http://" + ln.Addr().String()
	printf(out, "ccflow is running (all-in-one, data in %s)\n", cfg.DataDir)
	printf(out, "  API:          %s\n", base)
	if on, err := cfg.DemoEnabled(config.RoleAllInOne); err == nil && on {
		printf(out, "  chat page:    %s/index/index/home?business_id=1   (the demo tenant's visitor entry)\n", base)
	}
	printf(out, "  health:       %s/readyz   metrics: %s/metrics %s\n", base, base, metricsAccessNote(cfg))
	printf(out, "  admin API:    %s/api/admin/v1 (%s)\n", base, adminKeySource(key, keyFile))
	if cfg.TemporalAddress == "" {
		printf(out, "  Temporal:     %s (namespace %s; %s)\n", address, cfg.TemporalNamespace, temporalExposure(cfg))
	} else {
		printf(out, "  Temporal:     %s (namespace %s)\n", address, cfg.TemporalNamespace)
	}
	if uiURL != "" {
		printf(out, "  Temporal UI:  %s/namespaces/%s/workflows\n", uiURL, cfg.TemporalNamespace)
	}
	return nil
}

// startEmbedded starts the embedded Temporal server and UI on the data directory.
func startEmbedded(ctx context.Context, s *stack, cfg config.Config) (address, uiURL string, err error) {
	srv, err := embedded.Start(ctx, embedded.Options{
		DatabaseFile: embedded.DatabaseFile(cfg.DataDir),
		Host:         cfg.BindHost(),
		FrontendPort: cfg.TemporalPort,
		UIPort:       cfg.UIPort,
		Namespace:    cfg.TemporalNamespace,
		// Also registered through the operator service for namespaces made before.
		SearchAttributes: searchAttributes(),
		Logger:           s.logger,
	})
	if err != nil {
		return "", "", err
	}
	s.onStop(srv.Stop)
	return srv.FrontendAddress(), srv.UIURL(), nil
}

// holdDataDir prepares the data directory and holds its lock until ccflow stops.
func holdDataDir(s *stack, dir string) error {
	if err := prepareDataDir(dir); err != nil {
		return err
	}
	release, err := lockDataDir(dir)
	if err != nil {
		return err
	}
	s.onStop(release)
	return nil
}

func temporalOnly(ctx context.Context, s *stack, cfg config.Config, out io.Writer) error {
	if err := holdDataDir(s, cfg.DataDir); err != nil {
		return err
	}
	address, uiURL, err := startEmbedded(ctx, s, cfg)
	if err != nil {
		return err
	}
	printf(out, "ccflow temporal: Temporal frontend on %s (namespace %s, data in %s; %s)\n", address, cfg.TemporalNamespace, cfg.DataDir, temporalExposure(cfg))
	if uiURL != "" {
		printf(out, "  Temporal UI:  %s\n", uiURL)
	}
	return nil
}

// opened is what the scaled-out roles open before they serve.
type opened struct {
	ln  net.Listener
	db  *gorm.DB
	reg *prometheus.Registry
	c   client.Client
}

// openScaledOut opens the API socket, the database and the external Temporal.
func openScaledOut(ctx context.Context, s *stack, cfg config.Config, role config.Role) (opened, error) {
	ln, err := listen(s, cfg.HTTPAddr)
	if err != nil {
		return opened{}, err
	}
	db, err := database(ctx, s, cfg, role)
	if err != nil {
		return opened{}, err
	}
	reg := newRegistry()
	c, err := dialTemporal(ctx, s, cfg.TemporalAddress, cfg.TemporalNamespace, reg)
	if err != nil && role == config.RoleServer {
		// The API serves without Temporal (the message path does not need
		// it) and /readyz names the cluster it cannot reach; the client
		// connects when the cluster answers.
		s.logger.Warn("Temporal unreachable; serving, /readyz answers 503 until it answers", "error", err)
		// A fresh registry: the failed dial's metrics stay registered in the old one.
		reg = newRegistry()
		c, err = lazyTemporal(s, cfg.TemporalAddress, cfg.TemporalNamespace, reg)
	}
	if err != nil {
		return opened{}, err
	}
	return opened{ln: ln, db: db, reg: reg, c: c}, nil
}

// nameTemporal makes the readiness check of Temporal name the cluster, so a
// 503 from /readyz says which address is unreachable.
func nameTemporal(checks []api.ReadyCheck, cfg config.Config) {
	for i, rc := range checks {
		if rc.Name != "temporal" {
			continue
		}
		check := rc.Check
		checks[i].Check = func(ctx context.Context) error {
			if err := check(ctx); err != nil {
				return fmt.Errorf("Temporal at %s (namespace %s): %w", cfg.TemporalAddress, cfg.TemporalNamespace, err)
			}
			return nil
		}
	}
}

func server(ctx context.Context, s *stack, cfg config.Config, out io.Writer) error {
	key, _, err := cfg.ResolveAdminKey(config.RoleServer)
	if err != nil {
		return err
	}
	o, err := openScaledOut(ctx, s, cfg, config.RoleServer)
	if err != nil {
		return err
	}
	m, err := messageLog(s, o.db, true)
	if err != nil {
		return err
	}
	deps, err := apiDeps(ctx, s, o.db, o.c, o.reg, m)
	if err != nil {
		return err
	}
	deps.AdminKey = key
	nameTemporal(deps.Ready, cfg)
	harden(&deps, cfg, o.ln.Addr())
	if err := withFiles(ctx, s, cfg, o.db, &deps); err != nil {
		return err
	}
	if err := setUpCalls(s, &deps, cfg); err != nil {
		return err
	}
	if err := setUpSIP(s, &deps, cfg, o.db); err != nil {
		return err
	}
	serveHTTP(s, o.ln, api.NewRouter(deps), cfg.ShutdownTimeout)
	printf(out, "ccflow server: API on http://%s, Temporal %s\n", o.ln.Addr(), cfg.TemporalAddress)
	printf(out, "  admin API:    /api/admin/v1 (%s)\n", adminKeySource(key, ""))
	printf(out, "  public URL:   %s (links handed to visitors; CCFLOW_PUBLIC_URL)\n", deps.Settings.PublicURL)
	return nil
}

func workerRole(ctx context.Context, s *stack, cfg config.Config, out io.Writer) error {
	o, err := openScaledOut(ctx, s, cfg, config.RoleWorker)
	if err != nil {
		return err
	}
	m, err := messageLog(s, o.db, true)
	if err != nil {
		return err
	}
	if err := startWorker(ctx, s, cfg, o.c, o.db, m.log, m.hub, nil); err != nil {
		return err
	}
	deps, err := apiDeps(ctx, s, o.db, o.c, o.reg, m)
	if err != nil {
		return err
	}
	nameTemporal(deps.Ready, cfg)
	harden(&deps, cfg, o.ln.Addr())
	serveHTTP(s, o.ln, api.NewOpsRouter(deps), cfg.ShutdownTimeout)
	printf(out, "ccflow worker: polling %s on %s; health and metrics on http://%s\n",
		conversation.TaskQueue, cfg.TemporalAddress, o.ln.Addr())
	return nil
}

// faqTTL is how long a tenant's FAQ is cached: admin edits show within it.
const faqTTL = 30 * time.Second

// webhookOptions are the webhook settings the worker's deliveries use.
// api is the all-in-one's API address, the base of file links without
// CCFLOW_PUBLIC_URL; a scaled-out worker has none (nil).
func webhookOptions(cfg config.Config, api net.Addr) worker.WebhookOptions {
	return worker.WebhookOptions{AllowPrivate: cfg.WebhookAllowPrivate, UnhealthyAfter: cfg.WebhookUnhealthyAfter,
		PublicURL: cfg.WorkerPublicURL(api), FileLinkTTL: cfg.WebhookFileLinkTTL}
}

func startWorker(ctx context.Context, s *stack, cfg config.Config, c client.Client, db *gorm.DB, log *chatlog.Log, hub *notify.Hub, api net.Addr) error {
	fs, err := fileService(ctx, s, cfg, db)
	if err != nil {
		return err
	}
	w := worker.NewWithCalls(c, db, log, hub, s.faqLibrary(db), webhookOptions(cfg, api),
		&activities.FileRetention{Files: fs, Default: cfg.Files.Retention}, &calls.Store{DB: db, Log: log, Pub: hub})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	s.onStop(w.Stop)
	return scheduleRetention(ctx, c)
}

func apiDeps(ctx context.Context, s *stack, db *gorm.DB, c client.Client, reg *prometheus.Registry, m messaging) (api.Deps, error) {
	log, hub := m.log, m.hub
	tokens, err := token.NewIssuer(ctx, db)
	if err != nil {
		return api.Deps{}, err
	}
	messages := chat.NewService(log, hub, chat.TemporalWorkflows{Client: c}, s.logger)
	// Tenants' transfer lines are cached like their FAQ: edits show within faqTTL.
	messages.Transfer = transfer.NewWords(db, faqTTL)
	background(s, messages.Run)
	background(s, messages.SweepPresence)
	callStore := &calls.Store{DB: db, Log: log, Pub: hub}
	pollers := &temporalx.PollerCheck{Client: c, TaskQueue: conversation.TaskQueue, MaxAge: 2 * time.Minute}
	return api.Deps{
		Logger:        s.logger,
		Metrics:       reg,
		Temporal:      c,
		Directory:     &directory.Directory{DB: db, Auth: m.auth},
		Chat:          messages,
		Records:       &records.Records{DB: db},
		ChatRecords:   &chatrecords.Store{DB: db},
		Agents:        &agents.Store{DB: db, Auth: m.auth},
		FAQ:           s.faqLibrary(db),
		Tokens:        tokens,
		LeaveMessages: &leavemsg.Store{DB: db},
		Admin:         &admin.Store{DB: db, Auth: m.auth},
		WebKeys:       &webentry.Store{DB: db},
		CallStore:     callStore,
		Calls: &clicktocall.Service{
			Store: callStore, Chats: messages, Flows: clicktocall.TemporalWorkflows{Client: c}, Wait: hub,
		},
		Ready: []api.ReadyCheck{
			{Name: "database", Check: func(ctx context.Context) error {
				sqlDB, err := db.DB()
				if err != nil {
					return err
				}
				return sqlDB.PingContext(ctx)
			}},
			{Name: "temporal", Check: func(ctx context.Context) error {
				_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
				return err
			}},
			{Name: "worker", Check: pollers.Check},
		},
	}, nil
}
