package app

import (
	"crypto/rand"

	"github.com/ccflow/ccflow/api"
	"github.com/ccflow/ccflow/internal/clicktocall"
	"github.com/ccflow/ccflow/internal/config"
	"github.com/ccflow/ccflow/internal/turnserver"
)

// setUpCalls gives click-to-call its ICE servers: the embedded TURN server
// when CCFLOW_TURN_ADDR is set (started here, with a secret of this
// process's own unless CCFLOW_TURN_SECRET names one), an external TURN
// server otherwise (CCFLOW_TURN_URLS and CCFLOW_TURN_SECRET), and STUN.
func setUpCalls(s *stack, deps *api.Deps, cfg config.Config) error {
	c := cfg.Calls
	ice := clicktocall.ICEConfig{TURNURLs: c.TURNURLs, STUNURLs: c.STUNURLs, Secret: c.TURNSecret, TTL: c.TURNCredentialTTL, RelayOnly: c.RelayOnly}
	if c.TURNAddr != "" {
		if ice.Secret == "" {
			ice.Secret = rand.Text()
		}
		srv, err := turnserver.Start(c.TURNAddr, c.TURNPublicIP, ice.Secret)
		if err != nil {
			return err
		}
		s.onStop(func() {
			if err := srv.Close(); err != nil {
				s.logger.Warn("stop TURN server", "error", err)
			}
		})
		ice.TURNURLs = []string{srv.URL()}
		s.logger.Info("embedded TURN server listening", "url", srv.URL())
	}
	deps.ICE = ice
	if deps.Calls != nil {
		deps.Calls.MaxDuration = c.MaxDuration
	}
	return nil
}
