package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// newPushWorker serves webhook deliveries from their own task queue. A
// receiver that hangs holds an activity slot until the client's timeout; on
// a queue of their own such slots are never the ones the robot and the
// database writes of conversations wait for.
func newPushWorker(c client.Client, db *gorm.DB) sdkworker.Worker {
	w := sdkworker.New(c, conversation.PushTaskQueue, sdkworker.Options{DisableWorkflowWorker: true})
	w.RegisterActivity(&activities.Pusher{DB: db, Client: activities.NewWebhookClient()})
	return w
}
