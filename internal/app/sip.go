package app

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/api"
	"github.com/ccflow/ccflow/internal/config"
	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/internal/outboundcall"
	"github.com/ccflow/ccflow/internal/sipcall"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// setUpSIP gives createcall (spec 003 §16) its outbound calls and, when
// CCFLOW_SIP_ADDR is set, starts the embedded SIP service the apps dial.
// The trunk's password goes to the SIP service only: never to a log line
// or to the admin API (which says whether one is set).
func setUpSIP(s *stack, deps *api.Deps, cfg config.Config, db *gorm.DB) error {
	c := cfg.SIP
	store := &outbound.Store{DB: db}
	deps.OutboundStore = store
	deps.SIP = api.SIPInfo{
		Enabled: c.Enabled(), ListenAddr: c.Addr, ServiceAddress: c.ServiceAddress(), Transport: c.Transport,
		TrunkAddr: c.TrunkAddr, TrunkUsername: c.TrunkUsername, TrunkPasswordSet: c.TrunkPassword != "",
		AccessCodeTTLSec: int64(c.AccessCodeTTL.Seconds()), DialTimeoutSec: int64(c.DialTimeout.Seconds()),
		MaxDurationSec: int64(c.MaxDuration.Seconds()), DefaultCaller: c.DefaultCaller, AccessCodePrefix: c.AccessCodePrefix,
	}
	svc := &outboundcall.Service{
		Store: store, Flows: outboundcall.TemporalWorkflows{Client: deps.Temporal, TaskQueue: conversation.TaskQueue},
		Settings: outboundcall.Settings{
			Enabled: c.Enabled(), ServiceAddress: c.ServiceAddress(), TrunkConfigured: c.TrunkAddr != "",
			AccessCodePrefix: c.AccessCodePrefix, DefaultCaller: c.DefaultCaller,
			AccessCodeTTL: c.AccessCodeTTL, DialTimeout: c.DialTimeout, MaxDuration: c.MaxDuration,
		},
	}
	deps.Outbound = svc
	if !c.Enabled() {
		return nil
	}
	srv, err := sipcall.Start(sipcall.Options{
		Addr: c.Addr, PublicAddr: c.PublicAddr, Transport: c.Transport,
		TrunkAddr: c.TrunkAddr, TrunkUsername: c.TrunkUsername, TrunkPassword: c.TrunkPassword,
		DialTimeout: c.DialTimeout, MaxDuration: c.MaxDuration, Logger: s.logger.With("component", "sip"),
	}, svc)
	if err != nil {
		return fmt.Errorf("start the SIP service: %w", err)
	}
	s.onStop(func() {
		if err := srv.Close(); err != nil {
			s.logger.Warn("stop SIP service", "error", err)
		}
	})
	s.logger.Info("SIP service listening", "addr", c.Addr, "transport", c.Transport, "serviceAddress", c.ServiceAddress(), "trunk", c.TrunkAddr)
	return nil
}
