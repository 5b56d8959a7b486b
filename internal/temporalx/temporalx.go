// Package temporalx holds the Temporal client plumbing every role shares:
// dialing with metrics and logs, registering search attributes, and checking
// that a worker polls the task queue.
package temporalx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.temporal.io/sdk/log"
)

// Dial connects to the Temporal frontend at address, reporting the SDK's client
// and worker metrics into reg.
func Dial(ctx context.Context, address, namespace string, logger *slog.Logger, reg prometheus.Registerer) (client.Client, func(), error) {
	opts, closer := options(address, namespace, logger, reg)
	dialCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := client.DialContext(dialCtx, opts)
	if err != nil {
		_ = closer.Close()
		return nil, nil, fmt.Errorf("cannot reach Temporal at %s (namespace %q): %w", address, namespace, err)
	}
	return c, func() {
		c.Close()
		_ = closer.Close()
	}, nil
}

// DialLazy is Dial without the first connection: the client connects on its
// first call, so a process can start while the cluster is unreachable.
func DialLazy(address, namespace string, logger *slog.Logger, reg prometheus.Registerer) (client.Client, func(), error) {
	opts, closer := options(address, namespace, logger, reg)
	c, err := client.NewLazyClient(opts)
	if err != nil {
		_ = closer.Close()
		return nil, nil, fmt.Errorf("Temporal at %s (namespace %q): %w", address, namespace, err)
	}
	return c, func() {
		c.Close()
		_ = closer.Close()
	}, nil
}

// options are the client options of both dials, with the SDK's metrics in reg.
//
// The SDK's timers (request and task latencies) are histograms, as in
// Temporal's own samples, not the reporter's default summaries: a summary
// keeps quantile streams per label set and sorts them on every flush, which
// a profile of 1,000 idle conversations showed as 5 MB of the live heap; a
// histogram is a few counters, and Prometheus adds histograms' buckets up
// across replicas where it cannot add quantiles.
func options(address, namespace string, logger *slog.Logger, reg prometheus.Registerer) (client.Options, io.Closer) {
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: reg, DefaultTimerType: tallyprom.HistogramTimerType})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	return client.Options{
		HostPort:          address,
		Namespace:         namespace,
		Logger:            stopQuiet{log.NewStructuredLogger(logger.With("component", "temporal-sdk"))},
		MetricsHandler:    sdktally.NewMetricsHandler(scope),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: compression(address)},
	}, closer
}

// stopQuiet is the SDK's logger without the one warning a worker's own
// Stop races into: a poll that Stop ends answers "worker stopping", and the
// SDK logs "Failed to poll for task." when it reads that before it sees the
// stop. That is a stop going as planned, so it goes to debug; other poll
// failures stay warnings.
type stopQuiet struct{ log.Logger }

// Warn logs at warn level, except a poll ended by the worker's own stop.
func (s stopQuiet) Warn(msg string, keyvals ...any) {
	if msg == "Failed to poll for task." && endedByStop(keyvals) {
		s.Logger.Debug(msg, keyvals...)
		return
	}
	s.Logger.Warn(msg, keyvals...)
}

// With keeps the filter on the SDK's derived loggers.
func (s stopQuiet) With(keyvals ...any) log.Logger {
	return stopQuiet{log.With(s.Logger, keyvals...)}
}

// workerStopping is the text of the SDK's error for a poll its Stop ended.
const workerStopping = "worker stopping"

func endedByStop(keyvals []any) bool {
	for _, v := range keyvals {
		if err, ok := v.(error); ok && err.Error() == workerStopping {
			return true
		}
	}
	return false
}

// EnsureSearchAttributes registers the custom search attributes that are
// missing from the namespace, so operators can filter in Temporal UI.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range want {
		if got, ok := have.GetCustomAttributes()[name]; ok {
			if got != typ {
				return fmt.Errorf("search attribute %s is registered as %s, ccflow needs %s", name, got, typ)
			}
			continue
		}
		missing[name] = typ
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("namespace %q lacks ccflow's search attributes %s and ccflow could not register them (%w); register them once, e.g. %s",
			namespace, strings.Join(slices.Sorted(maps.Keys(missing)), ", "), err, createCommands(namespace, missing))
	}
	return nil
}

// createCommands is the `temporal` CLI's commands that register missing.
func createCommands(namespace string, missing map[string]enumspb.IndexedValueType) string {
	var cmds []string
	for _, name := range slices.Sorted(maps.Keys(missing)) {
		// The API's String() is the CLI's spelling: Keyword, KeywordList, …
		typ := missing[name].String()
		cmds = append(cmds, fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type %s", namespace, name, typ))
	}
	return strings.Join(cmds, "; ")
}

// PollerCheck answers whether some worker polled a task queue recently. It
// caches the answer briefly so that frequent /readyz probes stay cheap.
type PollerCheck struct {
	Client    client.Client
	TaskQueue string
	// MaxAge is how recent the last poll must be.
	MaxAge time.Duration

	mu      sync.Mutex
	checked time.Time
	err     error
}

// Check returns nil when a workflow worker polled within MaxAge.
func (p *PollerCheck) Check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.checked) < time.Second {
		return p.err
	}
	p.err = p.check(ctx)
	p.checked = time.Now()
	return p.err
}

func (p *PollerCheck) check(ctx context.Context) error {
	resp, err := p.Client.DescribeTaskQueue(ctx, p.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return fmt.Errorf("temporal: describe task queue %s: %w", p.TaskQueue, err)
	}
	for _, poller := range resp.GetPollers() {
		if time.Since(poller.GetLastAccessTime().AsTime()) <= p.MaxAge {
			return nil
		}
	}
	return fmt.Errorf("no worker is polling task queue %s", p.TaskQueue)
}

// compression turns the SDK's default gzip off for a frontend on this
// machine: over loopback it saves no time and, measured under ccbench, cost
// about a tenth of the all-in-one's CPU (compressing here, inflating in the
// embedded server). Across a network, gzip stays.
func compression(address string) client.GrpcCompression {
	host, _, err := net.SplitHostPort(address)
	if err == nil && (host == "localhost" || net.ParseIP(host).IsLoopback()) {
		return &client.GrpcCompressionNone{}
	}
	return &client.GrpcCompressionGzip{}
}
