package app

import (
	"net"

	"github.com/ccflow/ccflow/api"
	"github.com/ccflow/ccflow/internal/config"
)

// harden hands the API the operator's security settings (config.Load
// validated them): trusted proxies, the public base URL of the links it hands
// out (from listen when CCFLOW_PUBLIC_URL is empty), the metrics key, the
// leave-message rate, and whether webhooks may target private addresses.
func harden(deps *api.Deps, cfg config.Config, listen net.Addr) {
	proxies, _ := cfg.TrustedProxyList()
	deps.Settings = api.Settings{
		TrustedProxies:        proxies,
		PublicURL:             cfg.PublicBaseURL(listen),
		MetricsKey:            cfg.MetricsKey,
		LeaveMessagePerMinute: cfg.LeaveMessagePerMinute,
	}
	if deps.Admin != nil {
		deps.Admin.AllowPrivateWebhooks = cfg.WebhookAllowPrivate
	}
}

// temporalExposure says in the banner who can reach the embedded Temporal
// frontend and UI, which have no authentication.
func temporalExposure(cfg config.Config) string {
	if cfg.BindsLoopbackOnly() {
		return "loopback only; CCFLOW_TEMPORAL_BIND_HOST exposes it"
	}
	return "bound to " + cfg.BindHost() + ": reachable from other machines, without authentication"
}

// metricsAccessNote says in the banner who may read /metrics.
func metricsAccessNote(cfg config.Config) string {
	if cfg.MetricsKey != "" {
		return "(loopback, or Bearer CCFLOW_METRICS_KEY)"
	}
	return "(loopback only; set CCFLOW_METRICS_KEY to scrape from elsewhere)"
}
