package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/netguard"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// newPushWorker serves webhook deliveries from their own task queue. A
// receiver that hangs holds an activity slot until the client's timeout; on
// a queue of their own such slots are never the ones the robot and the
// database writes of conversations wait for.
func newPushWorker(c client.Client, db *gorm.DB, log *chatlog.Log, wait notify.Waiter, allowPrivate bool) sdkworker.Worker {
	w := sdkworker.New(c, conversation.PushTaskQueue, sdkworker.Options{
		DisableWorkflowWorker: true,
		// A delivery runs for its conversation's life, mostly waiting on the
		// notifier: slots are goroutines, and every open conversation of a
		// tenant with a webhook holds one per endpoint.
		MaxConcurrentActivityExecutionSize: pushSlots,
	})
	w.RegisterActivity(&activities.Pusher{DB: db, Log: log, Wait: wait, Client: netguard.Guard(activities.NewWebhookClient(), allowPrivate)})
	return w
}

// pushSlots bounds the deliveries one worker runs at once.
const pushSlots = 20000
