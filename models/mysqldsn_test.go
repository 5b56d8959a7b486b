package models

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMySQLStatementsAreOneRoundTripUnlessTheDSNSaysOtherwise(t *testing.T) {
	cfg, err := parseMySQLDSN("root@tcp(127.0.0.1:3306)/test")
	require.NoError(t, err)
	require.True(t, cfg.InterpolateParams, "no prepare, execute and close per statement")
	require.Contains(t, cfg.FormatDSN(), "charset=utf8mb4", "interpolation is safe only with a safe charset")

	cfg, err = parseMySQLDSN("root@tcp(127.0.0.1:3306)/test?interpolateParams=false")
	require.NoError(t, err)
	require.False(t, cfg.InterpolateParams, "an operator who turns it off keeps it off")
}
