// Command ccflow is the customer-service conversation engine: with no
// argument it runs everything in one process on an embedded default; the
// subcommands run one scaled-out role.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ccflow/ccflow/internal/app"
	"github.com/ccflow/ccflow/internal/config"
	"github.com/ccflow/ccflow/internal/logging"
)

const usage = `usage: ccflow [command]

commands:
  (none)       all-in-one: embedded Temporal + Temporal UI + worker + API + SQLite
  server       the API only, against CCFLOW_TEMPORAL_ADDRESS and the database
  worker       the Temporal worker only (serves /healthz, /readyz, /metrics)
  migrate      apply the database migrations and exit
  temporal     only the embedded Temporal server and UI (CCFLOW_DATA_DIR, CCFLOW_TEMPORAL_PORT, CCFLOW_UI_PORT)
  healthcheck  exit 0 when http://CCFLOW_HTTP_ADDR/readyz answers 200

configuration is read from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ccflow:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	role := config.RoleAllInOne
	if len(args) > 0 {
		switch args[0] {
		case "server":
			role = config.RoleServer
		case "worker":
			role = config.RoleWorker
		case "migrate":
			role = config.RoleMigrate
		case "temporal":
			role = config.RoleTemporal
		case "healthcheck":
			return healthcheck(ctx)
		case "help", "-h", "--help":
			_, err := fmt.Fprint(stdout, usage)
			return err
		default:
			return fmt.Errorf("unknown command %q\n%s", args[0], usage)
		}
		if len(args) > 1 {
			return fmt.Errorf("%s takes no arguments (configuration is in the environment)", args[0])
		}
	}
	cfg, err := config.Load(role)
	if err != nil {
		return err
	}
	logger, err := logging.New(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	// Libraries that log through slog's default (migrations, GORM) then write
	// the same structured lines.
	slog.SetDefault(logger)
	return app.Run(ctx, role, cfg, logger, stdout)
}

// healthcheck lets container health checks run without curl in the image.
func healthcheck(ctx context.Context) error {
	cfg, err := config.Load(config.RoleMigrate)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.HTTPAddr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("not ready: /readyz answered " + resp.Status)
	}
	return nil
}
