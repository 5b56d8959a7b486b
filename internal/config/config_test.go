package config

import (
	"testing"

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
