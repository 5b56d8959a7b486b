// Package worker wires the workflows and activities into a Temporal worker.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/workflows/agentdesk"
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// New returns ccflow's workers: one for ccflow's task queue with every
// workflow and activity registered, and one for webhook pushes (see
// newPushWorker). Conversations, routing and agent feeds share one task
// queue: they signal each other constantly, and one queue keeps a single
// worker fleet serving all of them. The caller starts and stops the workers.
func New(c client.Client, db *gorm.DB, library *faq.Library) *Workers {
	w := sdkworker.New(c, conversation.TaskQueue, sdkworker.Options{})
	registerWorkflows(w)
	w.RegisterActivity(&activities.Router{Client: c, TaskQueue: conversation.TaskQueue})
	w.RegisterActivity(&activities.Store{DB: db})
	w.RegisterActivity(&activities.Robot{FAQ: library})
	return &Workers{all: []starter{w, newPushWorker(c, db)}}
}

// workflowRegistry is where workflows are registered: a worker, or a test environment.
type workflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// registerWorkflows registers each workflow under its contract's name. All
// three functions are called Workflow, so the SDK cannot tell them apart by
// function name; each continues as new by its registered name for that reason.
func registerWorkflows(r workflowRegistry) {
	r.RegisterWorkflowWithOptions(conversation.Workflow, workflow.RegisterOptions{Name: conversation.WorkflowName})
	r.RegisterWorkflowWithOptions(routing.Workflow, workflow.RegisterOptions{Name: routing.WorkflowName})
	r.RegisterWorkflowWithOptions(agentdesk.Workflow, workflow.RegisterOptions{Name: agentdesk.WorkflowName})
}
