package app

import (
	"runtime/debug"

	"github.com/ccflow/ccflow/internal/config"
)

// DefaultGCPercent is the garbage collector's target when GOGC is unset: a
// collection once the heap has grown by half of what is live, not by all of
// it. An all-in-one holding 1,000 idle conversations keeps ~100 MB live, and
// at Go's 100 it sat at twice that between collections.
const DefaultGCPercent = 50

// tuneGC sets DefaultGCPercent unless the operator set GOGC, which the Go
// runtime has applied already.
func tuneGC(cfg config.Config) {
	if cfg.GOGC == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
