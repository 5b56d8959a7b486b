// Package app assembles ccflow's roles (all-in-one, server, worker, migrate)
// from configuration, and shuts them down in order.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/config"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/temporalx"
	"github.com/ccflow/ccflow/models"
)

// stack is what a role has started, stopped in reverse order.
type stack struct {
	logger *slog.Logger
	stops  []func()
	// faq is the process's one FAQ cache (see faqLibrary).
	faq *faq.Library
}

func (s *stack) onStop(f func()) { s.stops = append(s.stops, f) }

func (s *stack) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}

// prepareDataDir makes sure the data directory exists and is writable, so
// that the failure is one clear line rather than a SQLite error later.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data directory %s (CCFLOW_DATA_DIR): %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s (CCFLOW_DATA_DIR) is not writable: %w", dir, err)
	}
	name := probe.Name()
	if err := probe.Close(); err != nil {
		return fmt.Errorf("data directory %s (CCFLOW_DATA_DIR): %w", dir, err)
	}
	return os.Remove(name)
}

// openDB opens the application database of the configuration.
func openDB(ctx context.Context, cfg config.Config) (*gorm.DB, error) {
	dsn := cfg.DSN()
	if cfg.DBDriver == models.DriverSQLite {
		if cfg.DBDSN == "" {
			if err := prepareDataDir(cfg.DataDir); err != nil {
				return nil, err
			}
		}
		// A plain path gets ccflow's pragmas; a "file:" DSN is taken as written.
		if !strings.HasPrefix(dsn, "file:") {
			dsn = models.SQLiteDSN(dsn)
		}
	}
	return models.Open(ctx, cfg.DBDriver, dsn)
}

func closeDB(db *gorm.DB, logger *slog.Logger) {
	sqlDB, err := db.DB()
	if err == nil {
		err = sqlDB.Close()
	}
	if err != nil {
		logger.Warn("close database", "error", err)
	}
}

// newRegistry holds the process's metrics: Go runtime, process, HTTP and the Temporal SDK's.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// dialTemporal connects and registers the search attributes operators filter on.
func dialTemporal(ctx context.Context, s *stack, address, namespace string, reg prometheus.Registerer) (client.Client, error) {
	c, closeClient, err := temporalx.Dial(ctx, address, namespace, s.logger, reg)
	if err != nil {
		return nil, err
	}
	s.onStop(closeClient)
	saCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := temporalx.EnsureSearchAttributes(saCtx, c, namespace, searchAttributes()); err != nil {
		return nil, fmt.Errorf("temporal at %s: %w", address, err)
	}
	return c, nil
}

// lazyTemporal is a client that connects on its first call, for a server
// started while the cluster is unreachable.
func lazyTemporal(s *stack, address, namespace string, reg prometheus.Registerer) (client.Client, error) {
	c, closeClient, err := temporalx.DialLazy(address, namespace, s.logger, reg)
	if err != nil {
		return nil, err
	}
	s.onStop(closeClient)
	return c, nil
}

// listen opens the API socket before anything else starts, so that a port in
// use is one clear line and not a failure after Temporal came up.
func listen(s *stack, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("CCFLOW_HTTP_ADDR: cannot listen on %s: %w", addr, err)
	}
	// Closing is harmless after Serve took it, and needed if start-up fails before.
	s.onStop(func() { _ = ln.Close() })
	return ln, nil
}

// serveHTTP serves on ln in the background until the stack stops.
func serveHTTP(s *stack, ln net.Listener, h http.Handler, shutdownTimeout time.Duration) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("http server", "error", err)
		}
	}()
	s.onStop(func() {
		// In-flight requests finish; long-polls are bounded well below the timeout.
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			s.logger.Warn("http shutdown", "error", err)
		}
		<-done
	})
}

func printf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}
