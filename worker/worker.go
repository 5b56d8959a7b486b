// Package worker wires the workflows and activities into a Temporal worker.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// New returns a worker for the conversation task queue with every workflow
// and activity registered. The caller starts and stops it.
func New(c client.Client, db *gorm.DB, library *faq.Library) sdkworker.Worker {
	w := sdkworker.New(c, conversation.TaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(conversation.Workflow, workflow.RegisterOptions{Name: conversation.WorkflowName})
	w.RegisterActivity(&activities.Store{DB: db})
	w.RegisterActivity(&activities.Robot{FAQ: library})
	return w
}
