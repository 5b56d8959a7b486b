package api

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/calls"
	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/clicktocall"
	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/leavemsg"
	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/internal/outboundcall"
	"github.com/ccflow/ccflow/internal/records"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/internal/webentry"
)

// Deps is what the handlers need; the roles in internal/app fill it in.
type Deps struct {
	Logger *slog.Logger
	// Metrics is the registry /metrics serves and HTTP metrics go to.
	Metrics *prometheus.Registry
	// Temporal is nil in the worker role, which serves no customer API.
	Temporal  client.Client
	Directory *directory.Directory
	// Chat is the message path: connect, send, poll, agent send, events.
	Chat    *chat.Service
	Records *records.Records
	// Agents reads agents, skill groups and conversation records for the agent API.
	Agents *agents.Store
	FAQ    *faq.Library
	Tokens *token.Issuer
	// ChatRecords reads and writes spec 004's chat records.
	ChatRecords *chatrecords.Store
	// LeaveMessages stores leave messages and the used signatures of spec 002.
	LeaveMessages *leavemsg.Store
	// Files stores and hands out uploaded files (spec 003 §8, §9); nil
	// answers the file routes 503.
	Files *files.Service
	// Ready lists the checks /readyz runs, by name.
	Ready []ReadyCheck
	// Admin reads and writes tenants' configuration for the admin API.
	Admin *admin.Store
	// AdminKey guards the admin API; empty turns the admin API off.
	AdminKey string
	// WebKeys mints and exchanges the single-use keys of the guest and
	// visitor entries that open the customer chat page.
	WebKeys *webentry.Store
	// AgentOffliner takes a deleted or disabled agent out of routing; nil
	// means routing's own (agentsession.go) when Temporal is set.
	AgentOffliner AgentOffliner
	// Calls is click-to-call (spec 003 §11–14, the agent's call controls,
	// the signalling gateway); CallStore its records and channel settings.
	Calls     *clicktocall.Service
	CallStore *calls.Store
	// ICE is where a call's browsers find STUN and TURN.
	ICE clicktocall.ICEConfig
	// Outbound creates anonymous outbound calls over SIP (spec 003 §16);
	// nil answers createcall 3001000001 (the feature is off).
	Outbound *outboundcall.Service
	// OutboundStore holds the outbound calls and the tenants' switch.
	OutboundStore *outbound.Store
	// SIP is the SIP service's configuration the admin API shows.
	SIP SIPInfo
	// Settings are the operator's choices the API applies; the zero value is
	// the safe default.
	Settings Settings
}

// Settings are what the API takes from configuration (internal/config).
type Settings struct {
	// TrustedProxies (IPs, CIDRs) may name the client in X-Forwarded-For or
	// X-Real-IP; none by default, when the client is the connection's peer.
	TrustedProxies []string
	// PublicURL is the base of links handed out (the guest entry's chat page
	// link); empty means defaultPublicURL.
	PublicURL string
	// MetricsKey opens /metrics to Authorization: Bearer KEY; without it
	// /metrics answers direct loopback connections only.
	MetricsKey string
	// LeaveMessagePerMinute limits spec 002's entry per appid; 0 means
	// defaultLeaveMessagePerMinute.
	LeaveMessagePerMinute int
}

// trustedProxies is TrustedProxies, nil (trust none) when empty.
func (s Settings) trustedProxies() []string {
	if len(s.TrustedProxies) == 0 {
		return nil
	}
	return s.TrustedProxies
}

// defaultPublicURL is CCFLOW_HTTP_ADDR's default, for a Deps without Settings.
const defaultPublicURL = "http://127.0.0.1:8080"

// ReadyCheck is one dependency /readyz checks.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}
