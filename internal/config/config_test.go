package config

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	cfg, err := Load(RoleAllInOne)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", cfg.HTTPAddr)
	require.Equal(t, "sqlite", cfg.DBDriver)
	require.Equal(t, "data/ccflow.db", cfg.DSN())
	require.Equal(t, 7233, cfg.TemporalPort)
	require.Equal(t, 8233, cfg.UIPort)
	require.Equal(t, "default", cfg.TemporalNamespace)
	demo, err := cfg.DemoEnabled(RoleAllInOne)
	require.NoError(t, err)
	require.True(t, demo, "demo data is on in all-in-one mode")
	demo, err = cfg.DemoEnabled(RoleServer)
	require.NoError(t, err)
	require.False(t, demo, "and off in the scaled-out roles")
	require.Equal(t, "127.0.0.1", cfg.BindHost())
	require.True(t, cfg.BindsLoopbackOnly())
	proxies, err := cfg.TrustedProxyList()
	require.NoError(t, err)
	require.Empty(t, proxies, "no proxy is trusted unless configured")
	require.False(t, cfg.WebhookAllowPrivate)
	require.Empty(t, cfg.MetricsKey)
	require.Equal(t, 600, cfg.LeaveMessagePerMinute)
	require.Equal(t, "http://127.0.0.1:8080", cfg.PublicBaseURL(nil))
	require.Equal(t, "dir", cfg.Files.Store)
	require.Equal(t, "data/files", cfg.FileDir())
	require.EqualValues(t, 10<<20, cfg.Files.MaxImage)
	require.EqualValues(t, 50<<20, cfg.Files.MaxVideo)
	require.Equal(t, 90*24*time.Hour, cfg.Files.Retention)
	require.Empty(t, cfg.Files.ClamdAddr, "no virus scanning unless configured")
	require.False(t, cfg.Files.ClamdFailOpen, "and it fails closed")
}

func TestTemporalBindsToLoopbackWhateverTheAPIsHost(t *testing.T) {
	t.Setenv("CCFLOW_HTTP_ADDR", "0.0.0.0:8080")
	cfg, err := Load(RoleAllInOne)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", cfg.BindHost(), "the API's wildcard host does not expose Temporal")
	require.True(t, cfg.BindsLoopbackOnly())
	t.Setenv("CCFLOW_TEMPORAL_BIND_HOST", "0.0.0.0")
	cfg, err = Load(RoleAllInOne)
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0", cfg.BindHost())
	require.False(t, cfg.BindsLoopbackOnly())
}

func TestHardeningSettings(t *testing.T) {
	t.Setenv("CCFLOW_HTTP_ADDR", "0.0.0.0:9090")
	t.Setenv("CCFLOW_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,fd00::/8")
	cfg, err := Load(RoleMigrate)
	require.NoError(t, err)
	proxies, err := cfg.TrustedProxyList()
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.0/8", "192.0.2.7", "fd00::/8"}, proxies)
	require.Equal(t, "http://127.0.0.1:9090", cfg.PublicBaseURL(nil), "a wildcard listen host is no address to hand out")
	require.Equal(t, "http://127.0.0.1:43210", cfg.PublicBaseURL(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 43210}))
	t.Setenv("CCFLOW_PUBLIC_URL", "https://chat.example.com/cc/")
	cfg, err = Load(RoleMigrate)
	require.NoError(t, err)
	require.Equal(t, "https://chat.example.com/cc", cfg.PublicBaseURL(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 43210}))
}

func TestDemoOverride(t *testing.T) {
	t.Setenv("CCFLOW_DEMO", "false")
	cfg, err := Load(RoleAllInOne)
	require.NoError(t, err)
	demo, err := cfg.DemoEnabled(RoleAllInOne)
	require.NoError(t, err)
	require.False(t, demo)
}

func TestInvalid(t *testing.T) {
	cases := []struct {
		name string
		role Role
		env  map[string]string
		want string
	}{
		{"driver", RoleAllInOne, map[string]string{"CCFLOW_DB_DRIVER": "postgres"}, `unknown CCFLOW_DB_DRIVER "postgres" (want sqlite or mysql)`},
		{"mysql without dsn", RoleAllInOne, map[string]string{"CCFLOW_DB_DRIVER": "mysql"}, "CCFLOW_DB_DSN is required"},
		{"http addr", RoleAllInOne, map[string]string{"CCFLOW_HTTP_ADDR": "8080"}, `CCFLOW_HTTP_ADDR "8080"`},
		{"pprof addr", RoleAllInOne, map[string]string{"CCFLOW_PPROF_ADDR": "6060"}, `CCFLOW_PPROF_ADDR "6060"`},
		{"temporal port", RoleAllInOne, map[string]string{"CCFLOW_TEMPORAL_PORT": "0"}, "CCFLOW_TEMPORAL_PORT must be a port number (1-65535)"},
		{"ui port", RoleAllInOne, map[string]string{"CCFLOW_UI_PORT": "-1"}, "CCFLOW_UI_PORT must be a port number (1-65535, or 0 to turn it off)"},
		{"port not a number", RoleAllInOne, map[string]string{"CCFLOW_UI_PORT": "x"}, `CCFLOW_UI_PORT must be a whole number`},
		{"duration", RoleAllInOne, map[string]string{"CCFLOW_SHUTDOWN_TIMEOUT": "soon"}, `CCFLOW_SHUTDOWN_TIMEOUT must be a duration such as 10s`},
		{"demo", RoleAllInOne, map[string]string{"CCFLOW_DEMO": "maybe"}, `CCFLOW_DEMO "maybe" is not a boolean`},
		{"shutdown", RoleAllInOne, map[string]string{"CCFLOW_SHUTDOWN_TIMEOUT": "0s"}, "CCFLOW_SHUTDOWN_TIMEOUT must be positive"},
		{"trusted proxies", RoleAllInOne, map[string]string{"CCFLOW_TRUSTED_PROXIES": "10.0.0.0/8,lb.internal"}, `CCFLOW_TRUSTED_PROXIES: "lb.internal" is neither`},
		{"public url", RoleAllInOne, map[string]string{"CCFLOW_PUBLIC_URL": "chat.example.com"}, `CCFLOW_PUBLIC_URL "chat.example.com" must be an absolute`},
		{"public url query", RoleAllInOne, map[string]string{"CCFLOW_PUBLIC_URL": "https://chat.example.com/?x=1"}, `CCFLOW_PUBLIC_URL`},
		{"metrics key", RoleAllInOne, map[string]string{"CCFLOW_METRICS_KEY": "short"}, "CCFLOW_METRICS_KEY must be at least 16 characters"},
		{"webhook flag", RoleAllInOne, map[string]string{"CCFLOW_WEBHOOK_ALLOW_PRIVATE": "yes please"}, "CCFLOW_WEBHOOK_ALLOW_PRIVATE must be a bool"},
		{"workflow cache", RoleWorker, map[string]string{"CCFLOW_TEMPORAL_ADDRESS": "127.0.0.1:7233", "CCFLOW_WORKFLOW_CACHE_SIZE": "0"}, "CCFLOW_WORKFLOW_CACHE_SIZE must be at least 1"},
		{"gogc", RoleAllInOne, map[string]string{"GOGC": "fast"}, `GOGC must be a whole number (a percentage) or off, got "fast"`},
		{"leave rate", RoleAllInOne, map[string]string{"CCFLOW_LEAVE_MESSAGE_PER_MINUTE": "0"}, "CCFLOW_LEAVE_MESSAGE_PER_MINUTE must be at least 1"},
		{"bind host", RoleAllInOne, map[string]string{"CCFLOW_TEMPORAL_BIND_HOST": "0.0.0.0:7233"}, "CCFLOW_TEMPORAL_BIND_HOST"},
		{"file store", RoleAllInOne, map[string]string{"CCFLOW_FILE_STORE": "ftp"}, `unknown CCFLOW_FILE_STORE "ftp" (want dir or s3)`},
		{"s3 without bucket", RoleAllInOne, map[string]string{"CCFLOW_FILE_STORE": "s3"}, "CCFLOW_FILE_STORE=s3 needs CCFLOW_S3_BUCKET"},
		{"file limit", RoleAllInOne, map[string]string{"CCFLOW_FILE_MAX_VIDEO": "0"}, "CCFLOW_FILE_MAX_VIDEO must be from 1 to"},
		{"file limit too big", RoleAllInOne, map[string]string{"CCFLOW_FILE_MAX_IMAGE": "999999999999"}, "CCFLOW_FILE_MAX_IMAGE must be from 1 to"},
		{"retention", RoleAllInOne, map[string]string{"CCFLOW_FILE_RETENTION": "10m"}, "CCFLOW_FILE_RETENTION must be at least 1h"},
		{"server needs temporal", RoleServer, nil, "ccflow server needs CCFLOW_TEMPORAL_ADDRESS"},
		{"worker needs temporal", RoleWorker, nil, "ccflow worker needs CCFLOW_TEMPORAL_ADDRESS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := Load(tc.role)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestUIOffIsValid(t *testing.T) {
	t.Setenv("CCFLOW_UI_PORT", "0")
	_, err := Load(RoleAllInOne)
	require.NoError(t, err)
}

// GOGC's values the Go runtime understands load, and ccflow keeps them.
func TestGOGCOffOrAPercentIsValid(t *testing.T) {
	for _, v := range []string{"off", "75", "200"} {
		t.Setenv("GOGC", v)
		c, err := Load(RoleAllInOne)
		require.NoError(t, err, v)
		require.Equal(t, v, c.GOGC)
	}
}
