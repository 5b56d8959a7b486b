package conversation

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

const (
	// pushHeartbeat is how long a delivery may go silent before another
	// worker takes it over; a delivery heartbeats while it waits for messages.
	pushHeartbeat = 20 * time.Second
	// pushLifetime bounds one delivery attempt: a conversation's life, then
	// the 25-hour retry window of its last event.
	pushLifetime = 60 * 24 * time.Hour
)

// startPushes starts one delivery per webhook endpoint of the channel. Each
// reads the conversation from the log and keeps its cursor there, so the
// workflow carries nothing per event and a crash resends at most one.
func (c *conv) startPushes(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           PushTaskQueue,
		StartToCloseTimeout: pushLifetime,
		HeartbeatTimeout:    pushHeartbeat,
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
	var pusher *activities.Pusher
	for _, id := range c.Channel.PushEndpoints {
		c.pushing++
		req := activities.DeliverRequest{
			TenantID: c.Channel.TenantID, ConversationID: c.ConversationID, EndpointID: id,
			BusinessID: c.Channel.BusinessID, VisitorID: c.Visitor.UserID,
		}
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer func() { c.pushing-- }()
			err := workflow.ExecuteActivity(ctx, pusher.Deliver, req).Get(ctx, nil)
			if err != nil && !temporal.IsCanceledError(err) {
				workflow.GetLogger(ctx).Error("webhook delivery ended", "endpoint", req.EndpointID, "error", err)
			}
		})
	}
}
