package api

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/leavemsg"
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
	Records   *records.Records
	// Agents reads agents, skill groups and conversation records for the agent API.
	Agents *agents.Store
	FAQ    *faq.Library
	Tokens *token.Issuer
	// ChatRecords reads and writes spec 004's chat records.
	ChatRecords *chatrecords.Store
	// LeaveMessages stores leave messages and the used signatures of spec 002.
	LeaveMessages *leavemsg.Store
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
}

// ReadyCheck is one dependency /readyz checks.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}
