package app

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/config"
)

// TestGCTargetDefaultsUnlessGOGCIsSet: ccflow collects at DefaultGCPercent,
// and an operator's GOGC, which the runtime applied at start, stays.
func TestGCTargetDefaultsUnlessGOGCIsSet(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	tuneGC(config.Config{})
	require.Equal(t, DefaultGCPercent, debug.SetGCPercent(200))

	tuneGC(config.Config{GOGC: "200"})
	require.Equal(t, 200, debug.SetGCPercent(100), "an operator's GOGC is left as the runtime set it")
}
