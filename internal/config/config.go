// Package config loads ccflow's one configuration struct from the environment.
package config

import (
	"errors"
	"fmt"
	"net"
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
	if _, err := c.DemoEnabled(role); err != nil {
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

// BindHost is the host the embedded Temporal frontend and UI listen on: the API's host.
func (c Config) BindHost() string {
	host, _, err := net.SplitHostPort(c.HTTPAddr)
	if err != nil || host == "" {
		return "127.0.0.1"
	}
	return host
}
