// Package worker wires the workflows and activities into a Temporal worker.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/calls"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/workflows/call"
	"github.com/ccflow/ccflow/workflows/conversation"
	outboundflow "github.com/ccflow/ccflow/workflows/outbound"
	"github.com/ccflow/ccflow/workflows/retention"
	"github.com/ccflow/ccflow/workflows/routing"
)

// New returns ccflow's workers: one for ccflow's task queue with every
// workflow and activity registered, and one for webhook pushes (see
// newPushWorker). Conversations and routing share one task queue: they
// signal each other, and one queue keeps a single worker fleet serving both.
// The caller starts and stops the workers.
func New(c client.Client, db *gorm.DB, log *chatlog.Log, wait notify.Waiter, library *faq.Library, webhooks WebhookOptions, fileRetention *activities.FileRetention) *Workers {
	return NewWithCalls(c, db, log, wait, library, webhooks, fileRetention, &calls.Store{DB: db, Log: log})
}

// NewWithCalls is New with the call store the call workflow writes through
// (its publisher wakes this process's call long-polls).
func NewWithCalls(c client.Client, db *gorm.DB, log *chatlog.Log, wait notify.Waiter, library *faq.Library, webhooks WebhookOptions, fileRetention *activities.FileRetention, callStore *calls.Store) *Workers {
	// Sixteen workflow task pollers, not the SDK's two: a burst of arrivals
	// is a burst of first workflow tasks (those not started eagerly) on the
	// task queue, which two pollers fetch one round trip at a time. 50
	// arrivals: queue assignment p99 2.1-2.3 s with two, 1.4-1.7 s with 16.
	w := sdkworker.New(c, conversation.TaskQueue, sdkworker.Options{MaxConcurrentWorkflowTaskPollers: workflowTaskPollers})
	registerWorkflows(w)
	if fileRetention != nil {
		w.RegisterActivity(fileRetention)
	}
	w.RegisterActivity(&activities.Router{Client: c, TaskQueue: conversation.TaskQueue})
	w.RegisterActivity(&routing.Assigner{Client: c})
	w.RegisterActivity(&activities.Conversations{Log: log, FAQ: library})
	w.RegisterActivity(&activities.Calls{Store: callStore})
	w.RegisterActivity(&activities.Outbound{Store: &outbound.Store{DB: db}})
	return &Workers{all: []starter{w, newPushWorker(c, db, log, wait, webhooks)}}
}

// workflowTaskPollers is how many workflow task polls a worker keeps open.
const workflowTaskPollers = 16

// workflowRegistry is where workflows are registered: a worker, or a test environment.
type workflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// registerWorkflows registers each workflow under its contract's name, the
// name each continues as new by.
func registerWorkflows(r workflowRegistry) {
	r.RegisterWorkflowWithOptions(conversation.ConversationWorkflow, workflow.RegisterOptions{Name: conversation.WorkflowName})
	r.RegisterWorkflowWithOptions(routing.RoutingWorkflow, workflow.RegisterOptions{Name: routing.WorkflowName})
	r.RegisterWorkflowWithOptions(call.CallWorkflow, workflow.RegisterOptions{Name: call.WorkflowName})
	r.RegisterWorkflowWithOptions(outboundflow.OutboundCallWorkflow, workflow.RegisterOptions{Name: outboundflow.WorkflowName})
	r.RegisterWorkflowWithOptions(retention.FileRetentionWorkflow, workflow.RegisterOptions{Name: retention.WorkflowName})
}
