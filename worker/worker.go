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
	w.RegisterWorkflowWithOptions(conversation.Workflow, workflow.RegisterOptions{Name: conversation.WorkflowName})
	w.RegisterWorkflowWithOptions(routing.Workflow, workflow.RegisterOptions{Name: routing.WorkflowName})
	w.RegisterWorkflowWithOptions(agentdesk.Workflow, workflow.RegisterOptions{Name: agentdesk.WorkflowName})
	w.RegisterActivity(&activities.Router{Client: c, TaskQueue: conversation.TaskQueue})
	w.RegisterActivity(&activities.Store{DB: db})
	w.RegisterActivity(&activities.Robot{FAQ: library})
	return &Workers{all: []starter{w, newPushWorker(c, db)}}
}
