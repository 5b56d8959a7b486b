// Package config loads ccflow's one configuration struct from the environment.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting ccflow reads; the names are DESIGN §2's.
type Config struct {
	HTTPAddr          string        `env:"CCFLOW_HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	DataDir           string        `env:"CCFLOW_DATA_DIR" envDefault:"./data"`
	DBDriver          string        `env:"CCFLOW_DB_DRIVER" envDefault:"sqlite"`
	DBDSN             string        `env:"CCFLOW_DB_DSN"`
	TemporalAddress   string        `env:"CCFLOW_TEMPORAL_ADDRESS"`
	TemporalNamespace string        `env:"CCFLOW_TEMPORAL_NAMESPACE" envDefault:"default"`
	TemporalPort      int           `env:"CCFLOW_TEMPORAL_PORT" envDefault:"7233"`
	UIPort            int           `env:"CCFLOW_UI_PORT" envDefault:"8233"`
	AdminKey          string        `env:"CCFLOW_ADMIN_KEY"`
	Demo              string        `env:"CCFLOW_DEMO"`
	LogLevel          string        `env:"CCFLOW_LOG_LEVEL" envDefault:"info"`
	LogFormat         string        `env:"CCFLOW_LOG_FORMAT" envDefault:"auto"`
	ShutdownTimeout   time.Duration `env:"CCFLOW_SHUTDOWN_TIMEOUT" envDefault:"10s"`
	// PprofAddr serves Go's profiler when set (e.g. 127.0.0.1:6060); off by default.
	PprofAddr string `env:"CCFLOW_PPROF_ADDR"`
	// TemporalBindHost is where the embedded Temporal frontend and UI listen:
	// loopback unless the operator exposes them (they have no authentication).
	TemporalBindHost string `env:"CCFLOW_TEMPORAL_BIND_HOST" envDefault:"127.0.0.1"`
	// TrustedProxies are the addresses (IPs or CIDRs) of the load balancers
	// whose X-Forwarded-For / X-Real-IP name the client; empty trusts none,
	// and the client is the connection's peer.
	TrustedProxies []string `env:"CCFLOW_TRUSTED_PROXIES" envSeparator:","`
	// PublicURL is the base URL visitors reach the API at, for the links the
	// server hands out (the guest entry's chat page). Empty derives it from
	// the listen address (right for the all-in-one on a laptop).
	PublicURL string `env:"CCFLOW_PUBLIC_URL"`
	// MetricsKey lets /metrics answer requests with Authorization: Bearer KEY;
	// without it (or without the key) /metrics answers direct loopback
	// connections only.
	MetricsKey string `env:"CCFLOW_METRICS_KEY"`
	// WebhookAllowPrivate lets webhook URLs point at loopback, private,
	// link-local and other non-public addresses (a receiver on the same
	// host or network, and the tests); off, they are refused.
	WebhookAllowPrivate bool `env:"CCFLOW_WEBHOOK_ALLOW_PRIVATE" envDefault:"false"`
	// WebhookUnhealthyAfter is how long an endpoint's deliveries may fail
	// before it is marked unhealthy in the admin API and the operator is
	// told, once, in the log.
	WebhookUnhealthyAfter time.Duration `env:"CCFLOW_WEBHOOK_UNHEALTHY_AFTER" envDefault:"10m"`
	// WebhookFileLinkTTL is how long the signed file link of a media
	// message's push works after the attempt that carried it.
	WebhookFileLinkTTL time.Duration `env:"CCFLOW_WEBHOOK_FILE_LINK_TTL" envDefault:"24h"`
	// LeaveMessagePerMinute limits spec 002's signed leave-message entry per
	// appid (authentic requests; bursts of a sixth of it, at least 10).
	LeaveMessagePerMinute int `env:"CCFLOW_LEAVE_MESSAGE_PER_MINUTE" envDefault:"600"`
	// WorkflowCacheSize is how many workflow executions a worker process
	// keeps in memory between their workflow tasks. Messages do not pass
	// through workflows, so a conversation has a task only when its life
	// changes, and one that is not cached replays its short history (a few
	// dozen events) instead: the cache is for the busy ones, not the idle.
	WorkflowCacheSize int `env:"CCFLOW_WORKFLOW_CACHE_SIZE" envDefault:"256"`
	// GOGC is Go's own garbage-collector setting, which the Go runtime reads
	// itself. ccflow reads it only to leave it alone: when it is unset,
	// ccflow runs with app.DefaultGCPercent instead of Go's 100.
	GOGC string `env:"GOGC"`
	// Files is where uploaded files are kept, and their limits.
	Files Files
	// Calls: where click-to-call's browsers find TURN and STUN (issue 15).
	Calls CallsConfig
	// SIP: the embedded SIP service of anonymous outbound calls (spec 003 §16).
	SIP SIPConfig
}

// SIPConfig is the embedded SIP service's: off unless Addr is set. A field
// agent's app dials its access code at PublicAddr (Addr when empty); ccflow
// places the outbound leg through the SIP trunk at TrunkAddr with digest
// credentials TrunkUsername and TrunkPassword (never logged or returned),
// and relays RTP between the legs on RTPHost's ports.
type SIPConfig struct {
	Addr       string `env:"CCFLOW_SIP_ADDR"`
	PublicAddr string `env:"CCFLOW_SIP_PUBLIC_ADDR"`
	// Transport is udp or tcp, for both legs.
	Transport     string `env:"CCFLOW_SIP_TRANSPORT" envDefault:"udp"`
	TrunkAddr     string `env:"CCFLOW_SIP_TRUNK_ADDR"`
	TrunkUsername string `env:"CCFLOW_SIP_TRUNK_USERNAME"`
	TrunkPassword string `env:"CCFLOW_SIP_TRUNK_PASSWORD"`
	// DefaultCaller is presented to the called party when createcall names
	// no callerPresent (spec: "the platform's default caller number").
	DefaultCaller string `env:"CCFLOW_SIP_DEFAULT_CALLER"`
	// AccessCodePrefix starts every access code (spec: "接入码+uuid").
	AccessCodePrefix string `env:"CCFLOW_SIP_ACCESS_CODE_PREFIX" envDefault:"1790"`
	// AccessCodeTTL is how long an access code opens its call.
	AccessCodeTTL time.Duration `env:"CCFLOW_SIP_ACCESS_CODE_TTL" envDefault:"2m"`
	// DialTimeout bounds the trunk leg's ringing.
	DialTimeout time.Duration `env:"CCFLOW_SIP_DIAL_TIMEOUT" envDefault:"60s"`
	// MaxDuration ends a connected call nobody hung up.
	MaxDuration time.Duration `env:"CCFLOW_SIP_MAX_DURATION" envDefault:"4h"`
}

// Enabled reports whether the SIP service runs.
func (s SIPConfig) Enabled() bool { return s.Addr != "" }

// ServiceAddress is the ip:port apps dial (createcall's sipServiceAddress).
func (s SIPConfig) ServiceAddress() string {
	if s.PublicAddr != "" {
		return s.PublicAddr
	}
	return s.Addr
}

func (s SIPConfig) validate() error {
	if !s.Enabled() {
		return nil
	}
	for name, v := range map[string]string{"CCFLOW_SIP_ADDR": s.Addr, "CCFLOW_SIP_PUBLIC_ADDR": s.PublicAddr, "CCFLOW_SIP_TRUNK_ADDR": s.TrunkAddr} {
		if v == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return fmt.Errorf("%s %q must be host:port, such as 127.0.0.1:5060", name, v)
		}
	}
	if s.Transport != "udp" && s.Transport != "tcp" {
		return fmt.Errorf("CCFLOW_SIP_TRANSPORT must be udp or tcp, got %q", s.Transport)
	}
	if s.AccessCodePrefix == "" || len(s.AccessCodePrefix) > 8 || strings.Trim(s.AccessCodePrefix, "0123456789") != "" {
		return fmt.Errorf("CCFLOW_SIP_ACCESS_CODE_PREFIX must be 1 to 8 digits, got %q", s.AccessCodePrefix)
	}
	if s.AccessCodeTTL < time.Second || s.AccessCodeTTL > 24*time.Hour {
		return fmt.Errorf("CCFLOW_SIP_ACCESS_CODE_TTL must be from 1s to 24h, got %s", s.AccessCodeTTL)
	}
	if s.DialTimeout < time.Second || s.MaxDuration < time.Minute {
		return errors.New("CCFLOW_SIP_DIAL_TIMEOUT must be at least 1s and CCFLOW_SIP_MAX_DURATION at least 1m")
	}
	return nil
}

// Files configures the file store (issue 13): a directory (the default,
// FILE_DIR or DATA_DIR/files) or an S3-compatible bucket, the largest file
// of each class in bytes, retention, and the optional virus scanner.
type Files struct {
	Store string `env:"CCFLOW_FILE_STORE" envDefault:"dir"`
	// Dir is the directory store's root; empty means DATA_DIR/files.
	Dir         string `env:"CCFLOW_FILE_DIR"`
	S3Endpoint  string `env:"CCFLOW_S3_ENDPOINT"`
	S3Region    string `env:"CCFLOW_S3_REGION" envDefault:"us-east-1"`
	S3Bucket    string `env:"CCFLOW_S3_BUCKET"`
	S3AccessKey string `env:"CCFLOW_S3_ACCESS_KEY"`
	S3SecretKey string `env:"CCFLOW_S3_SECRET_KEY"`
	// S3PathStyle puts the bucket in the path, as most self-hosted servers need.
	S3PathStyle bool  `env:"CCFLOW_S3_PATH_STYLE" envDefault:"true"`
	MaxImage    int64 `env:"CCFLOW_FILE_MAX_IMAGE" envDefault:"10485760"`
	MaxAudio    int64 `env:"CCFLOW_FILE_MAX_AUDIO" envDefault:"10485760"`
	MaxVideo    int64 `env:"CCFLOW_FILE_MAX_VIDEO" envDefault:"52428800"`
	MaxText     int64 `env:"CCFLOW_FILE_MAX_TEXT" envDefault:"5242880"`
	// Retention is how long files are kept for a tenant whose own
	// file_retention_days is 0.
	Retention time.Duration `env:"CCFLOW_FILE_RETENTION" envDefault:"2160h"`
	// ClamdAddr turns on virus scanning of uploads by ClamAV's clamd
	// (host:port, or a unix socket path).
	ClamdAddr string `env:"CCFLOW_CLAMD_ADDR"`
	// ClamdFailOpen stores uploads unscanned while clamd is down; by
	// default they are refused (fail closed).
	ClamdFailOpen bool `env:"CCFLOW_CLAMD_FAIL_OPEN" envDefault:"false"`
}

// FileDir is the directory store's root.
func (c Config) FileDir() string {
	if c.Files.Dir != "" {
		return c.Files.Dir
	}
	return filepath.Join(c.DataDir, "files")
}

// maxFileLimit bounds every per-class limit: the upload's body is held in
// memory (base64 and decoded), so a limit must stay well below the memory
// of a replica.
const maxFileLimit = 200 << 20

func (f Files) validate() error {
	switch f.Store {
	case "dir":
	case "s3":
		if f.S3Bucket == "" {
			return errors.New("CCFLOW_FILE_STORE=s3 needs CCFLOW_S3_BUCKET (and CCFLOW_S3_ENDPOINT for a store other than AWS)")
		}
	default:
		return fmt.Errorf("unknown CCFLOW_FILE_STORE %q (want dir or s3)", f.Store)
	}
	for name, v := range map[string]int64{"CCFLOW_FILE_MAX_IMAGE": f.MaxImage, "CCFLOW_FILE_MAX_AUDIO": f.MaxAudio,
		"CCFLOW_FILE_MAX_VIDEO": f.MaxVideo, "CCFLOW_FILE_MAX_TEXT": f.MaxText} {
		if v < 1 || v > maxFileLimit {
			return fmt.Errorf("%s must be from 1 to %d bytes, got %d", name, maxFileLimit, v)
		}
	}
	if f.Retention < time.Hour {
		return fmt.Errorf("CCFLOW_FILE_RETENTION must be at least 1h, got %s", f.Retention)
	}
	return nil
}

// CallsConfig are click-to-call's process settings. TURNAddr runs the
// embedded TURN server (pion/turn) on that UDP address (off when empty);
// TURNURLs with TURNSecret point at an external one instead (coturn's
// static-auth-secret). Credentials are per call and expire after
// TURNCredentialTTL. The secret is never logged or returned.
type CallsConfig struct {
	TURNAddr string `env:"CCFLOW_TURN_ADDR"`
	// TURNPublicIP is the relay address the embedded server announces;
	// empty takes TURNAddr's host.
	TURNPublicIP      string        `env:"CCFLOW_TURN_PUBLIC_IP"`
	TURNURLs          []string      `env:"CCFLOW_TURN_URLS" envSeparator:","`
	TURNSecret        string        `env:"CCFLOW_TURN_SECRET"`
	TURNCredentialTTL time.Duration `env:"CCFLOW_TURN_CREDENTIAL_TTL" envDefault:"1h"`
	STUNURLs          []string      `env:"CCFLOW_STUN_URLS" envSeparator:","`
	// RelayOnly makes calls' media go through TURN only (iceTransportPolicy relay).
	RelayOnly bool `env:"CCFLOW_CALL_RELAY_ONLY" envDefault:"false"`
	// MaxDuration ends a connected call nobody hung up.
	MaxDuration time.Duration `env:"CCFLOW_CALL_MAX_DURATION" envDefault:"4h"`
}

// Role is the way the binary runs: all-in-one, or one scaled-out part.
type Role string

// The roles of DESIGN §2.
const (
	RoleAllInOne Role = "all-in-one"
	RoleServer   Role = "server"
	RoleWorker   Role = "worker"
	RoleMigrate  Role = "migrate"
	// RoleTemporal runs only the embedded Temporal server and UI, for a
	// scaled-out setup on one machine and for tests.
	RoleTemporal Role = "temporal"
)

// Load reads the environment and checks it for the given role.
func Load(role Role) (Config, error) {
	cfg, err := env.ParseAs[Config]()
	if err != nil {
		return Config{}, describe(err)
	}
	return cfg, cfg.validate(role)
}

// describe names the environment variable a parse error is about; the
// library names only the Go field.
func describe(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("configuration: %w", err)
	}
	msgs := make([]string, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if f, ok := reflect.TypeFor[Config]().FieldByName(pe.Name); ok {
				msgs = append(msgs, fmt.Sprintf("%s must be %s", f.Tag.Get("env"), kind(pe.Type)))
				continue
			}
		}
		msgs = append(msgs, e.Error())
	}
	return errors.New(strings.Join(msgs, "; "))
}

func kind(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[int]():
		return "a whole number"
	case reflect.TypeFor[time.Duration]():
		return "a duration such as 10s"
	}
	return "a " + t.String()
}

func (c Config) validate(role Role) error {
	switch c.DBDriver {
	case "sqlite", "mysql":
	default:
		return fmt.Errorf("unknown CCFLOW_DB_DRIVER %q (want sqlite or mysql)", c.DBDriver)
	}
	if c.DBDriver == "mysql" && c.DBDSN == "" {
		return errors.New("CCFLOW_DB_DSN is required when CCFLOW_DB_DRIVER=mysql")
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("CCFLOW_HTTP_ADDR %q: %w", c.HTTPAddr, err)
	}
	if c.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(c.PprofAddr); err != nil {
			return fmt.Errorf("CCFLOW_PPROF_ADDR %q: %w", c.PprofAddr, err)
		}
	}
	if strings.TrimSpace(c.TemporalBindHost) == "" || strings.ContainsAny(c.TemporalBindHost, ":/ ") && net.ParseIP(c.TemporalBindHost) == nil {
		return fmt.Errorf("CCFLOW_TEMPORAL_BIND_HOST %q must be a host name or IP address such as 127.0.0.1 or 0.0.0.0", c.TemporalBindHost)
	}
	if _, err := c.TrustedProxyList(); err != nil {
		return err
	}
	if _, err := c.publicURL(); err != nil {
		return err
	}
	if c.MetricsKey != "" && len(c.MetricsKey) < 16 {
		return errors.New("CCFLOW_METRICS_KEY must be at least 16 characters")
	}
	if c.WorkflowCacheSize < 1 {
		return fmt.Errorf("CCFLOW_WORKFLOW_CACHE_SIZE must be at least 1, got %d", c.WorkflowCacheSize)
	}
	if c.GOGC != "" && c.GOGC != "off" {
		// The Go runtime takes any other value silently as 100.
		if _, err := strconv.Atoi(c.GOGC); err != nil {
			return fmt.Errorf("GOGC must be a whole number (a percentage) or off, got %q", c.GOGC)
		}
	}
	if c.LeaveMessagePerMinute < 1 {
		return fmt.Errorf("CCFLOW_LEAVE_MESSAGE_PER_MINUTE must be at least 1, got %d", c.LeaveMessagePerMinute)
	}
	if _, err := c.DemoEnabled(role); err != nil {
		return err
	}
	if c.WebhookUnhealthyAfter <= 0 {
		return fmt.Errorf("CCFLOW_WEBHOOK_UNHEALTHY_AFTER must be positive, got %s", c.WebhookUnhealthyAfter)
	}
	if c.WebhookFileLinkTTL < time.Minute {
		return fmt.Errorf("CCFLOW_WEBHOOK_FILE_LINK_TTL must be at least 1m, got %s", c.WebhookFileLinkTTL)
	}
	if err := c.Files.validate(); err != nil {
		return err
	}
	if err := c.SIP.validate(); err != nil {
		return err
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("CCFLOW_SHUTDOWN_TIMEOUT must be positive, got %s", c.ShutdownTimeout)
	}
	switch role {
	case RoleServer, RoleWorker:
		if c.TemporalAddress == "" {
			return fmt.Errorf("ccflow %s needs CCFLOW_TEMPORAL_ADDRESS (an external Temporal frontend); only the all-in-one embeds one", role)
		}
	case RoleAllInOne, RoleTemporal:
		if c.TemporalAddress == "" || role == RoleTemporal {
			if err := validPort("CCFLOW_TEMPORAL_PORT", c.TemporalPort, false); err != nil {
				return err
			}
		}
		if err := validPort("CCFLOW_UI_PORT", c.UIPort, true); err != nil {
			return err
		}
	}
	return nil
}

func validPort(name string, port int, zeroOK bool) error {
	if (port == 0 && zeroOK) || (port > 0 && port < 65536) {
		return nil
	}
	return fmt.Errorf("%s must be a port number (1-65535%s), got %d", name, map[bool]string{true: ", or 0 to turn it off"}[zeroOK], port)
}

// DemoEnabled says whether to load the demo data: CCFLOW_DEMO when set, else on only in all-in-one mode.
func (c Config) DemoEnabled(role Role) (bool, error) {
	if c.Demo == "" {
		return role == RoleAllInOne, nil
	}
	on, err := strconv.ParseBool(c.Demo)
	if err != nil {
		return false, fmt.Errorf("CCFLOW_DEMO %q is not a boolean (use true or false)", c.Demo)
	}
	return on, nil
}

// DSN is the application database DSN, defaulting to a SQLite file in the data directory.
func (c Config) DSN() string {
	if c.DBDSN != "" {
		return c.DBDSN
	}
	return filepath.Join(c.DataDir, "ccflow.db")
}

// BindHost is the host the embedded Temporal frontend and UI listen on:
// CCFLOW_TEMPORAL_BIND_HOST, loopback by default whatever the API's host.
func (c Config) BindHost() string {
	if h := strings.TrimSpace(c.TemporalBindHost); h != "" {
		return h
	}
	return "127.0.0.1"
}

// BindsLoopbackOnly tells whether BindHost reaches this machine only.
func (c Config) BindsLoopbackOnly() bool {
	h := c.BindHost()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// TrustedProxyList is CCFLOW_TRUSTED_PROXIES, each entry an IP or a CIDR.
func (c Config) TrustedProxyList() ([]string, error) {
	var out []string
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return nil, fmt.Errorf("CCFLOW_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR such as 10.0.0.0/8", p)
		}
		out = append(out, p)
	}
	return out, nil
}

// publicURL checks CCFLOW_PUBLIC_URL: an absolute http or https URL without
// credentials, query or fragment; a trailing slash is dropped.
func (c Config) publicURL() (string, error) {
	raw := strings.TrimSpace(c.PublicURL)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return "", fmt.Errorf("CCFLOW_PUBLIC_URL %q must be an absolute http:// or https:// URL without user, query or fragment, such as https://chat.example.com", c.PublicURL)
	}
	return strings.TrimRight(raw, "/"), nil
}

// WorkerPublicURL is the base of the links a worker's webhook pushes carry:
// CCFLOW_PUBLIC_URL, else (all-in-one only, whose worker runs beside the API)
// the API's own address; a scaled-out worker without CCFLOW_PUBLIC_URL has
// none and pushes no file links.
func (c Config) WorkerPublicURL(api net.Addr) string {
	if u, err := c.publicURL(); err == nil && u != "" {
		return u
	}
	if api == nil {
		return ""
	}
	return c.PublicBaseURL(api)
}

// PublicBaseURL is the base of the links the server hands out:
// CCFLOW_PUBLIC_URL, else http:// and the address the API listens on (a
// wildcard host such as 0.0.0.0 becomes 127.0.0.1: set CCFLOW_PUBLIC_URL
// whenever visitors come from other machines).
func (c Config) PublicBaseURL(listen net.Addr) string {
	if u, err := c.publicURL(); err == nil && u != "" {
		return u
	}
	addr := c.HTTPAddr
	if listen != nil {
		addr = listen.String()
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
