package worker

import (
	"time"

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
func newPushWorker(c client.Client, db *gorm.DB, log *chatlog.Log, wait notify.Waiter, o WebhookOptions) sdkworker.Worker {
	w := sdkworker.New(c, conversation.PushTaskQueue, sdkworker.Options{
		DisableWorkflowWorker: true,
		// A delivery runs for its conversation's life, mostly waiting on the
		// notifier: slots are goroutines, and every open conversation of a
		// tenant with a webhook holds one per endpoint.
		MaxConcurrentActivityExecutionSize: pushSlots,
	})
	w.RegisterActivity(&activities.Pusher{DB: db, Log: log, Wait: wait, Client: netguard.Guard(activities.NewWebhookClient(), o.AllowPrivate),
		UnhealthyAfter: o.UnhealthyAfter, PublicURL: o.PublicURL, FileLinkTTL: o.FileLinkTTL})
	return w
}

// WebhookOptions are the operator's webhook settings.
type WebhookOptions struct {
	// AllowPrivate lets deliveries connect to loopback and private addresses
	// (CCFLOW_WEBHOOK_ALLOW_PRIVATE); otherwise each connection is checked,
	// so a name that resolves to an internal address is refused.
	AllowPrivate bool
	// UnhealthyAfter is how long an endpoint fails before it is marked
	// unhealthy (CCFLOW_WEBHOOK_UNHEALTHY_AFTER).
	UnhealthyAfter time.Duration
	// PublicURL is where receivers reach the API's signed file links
	// (CCFLOW_PUBLIC_URL, or the all-in-one's own address); empty sends none.
	PublicURL string
	// FileLinkTTL is how long a file link works (CCFLOW_WEBHOOK_FILE_LINK_TTL).
	FileLinkTTL time.Duration
}

// pushSlots bounds the deliveries one worker runs at once.
const pushSlots = 20000
