package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSIPIsOffByDefault(t *testing.T) {
	cfg, err := Load(RoleAllInOne)
	require.NoError(t, err)
	require.False(t, cfg.SIP.Enabled())
	require.Equal(t, "udp", cfg.SIP.Transport)
	require.Equal(t, "1790", cfg.SIP.AccessCodePrefix)
	require.Equal(t, 2*time.Minute, cfg.SIP.AccessCodeTTL)
	require.Equal(t, 60*time.Second, cfg.SIP.DialTimeout)
	require.Equal(t, 4*time.Hour, cfg.SIP.MaxDuration)
}

func TestSIPSettings(t *testing.T) {
	t.Setenv("CCFLOW_SIP_ADDR", "0.0.0.0:5060")
	t.Setenv("CCFLOW_SIP_TRUNK_ADDR", "198.51.100.1:5060")
	t.Setenv("CCFLOW_SIP_TRUNK_USERNAME", "ccflow")
	t.Setenv("CCFLOW_SIP_TRUNK_PASSWORD", "s3cret")
	t.Setenv("CCFLOW_SIP_TRANSPORT", "tcp")
	cfg, err := Load(RoleAllInOne)
	require.NoError(t, err)
	require.True(t, cfg.SIP.Enabled())
	require.Equal(t, "0.0.0.0:5060", cfg.SIP.ServiceAddress(), "without a public address the listen address")
	t.Setenv("CCFLOW_SIP_PUBLIC_ADDR", "203.0.113.7:5060")
	cfg, err = Load(RoleAllInOne)
	require.NoError(t, err)
	require.Equal(t, "203.0.113.7:5060", cfg.SIP.ServiceAddress())
}

func TestSIPSettingsRefused(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"CCFLOW_SIP_ADDR":               {"CCFLOW_SIP_ADDR": "5060"},
		"CCFLOW_SIP_PUBLIC_ADDR":        {"CCFLOW_SIP_PUBLIC_ADDR": "example.com"},
		"CCFLOW_SIP_TRUNK_ADDR":         {"CCFLOW_SIP_TRUNK_ADDR": "trunk"},
		"CCFLOW_SIP_TRANSPORT":          {"CCFLOW_SIP_TRANSPORT": "tls"},
		"CCFLOW_SIP_ACCESS_CODE_PREFIX": {"CCFLOW_SIP_ACCESS_CODE_PREFIX": "17a"},
		"CCFLOW_SIP_ACCESS_CODE_TTL":    {"CCFLOW_SIP_ACCESS_CODE_TTL": "0s"},
		"CCFLOW_SIP_DIAL_TIMEOUT":       {"CCFLOW_SIP_DIAL_TIMEOUT": "0s"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("CCFLOW_SIP_ADDR", "127.0.0.1:5060")
			for k, v := range env {
				t.Setenv(k, v)
			}
			_, err := Load(RoleAllInOne)
			require.ErrorContains(t, err, name)
		})
	}
}
