package conversation

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

func (c *conv) unsavedEmpty() bool {
	u := c.Unsaved
	return len(u.Conversations) == 0 && u.Rating == nil && len(u.Messages) == 0
}

// persist writes unsaved records in the background, so that a database
// outage delays the records but never the conversation. Activity retries
// never give up; the batch stays in the state until it is written.
func (c *conv) persist(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// A write takes milliseconds; after a worker crash the server retries an
		// attempt only once this expires, so it bounds how late records can be.
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
	var store *activities.Store
	for {
		if err := workflow.Await(ctx, func() bool { return !c.unsavedEmpty() }); err != nil {
			return
		}
		batch := c.Unsaved
		c.convsInFlight = len(batch.Conversations)
		if err := workflow.ExecuteActivity(ctx, store.Persist, batch).Get(ctx, nil); err != nil {
			// Only cancellation ends an activity with unlimited retries.
			return
		}
		c.dropSaved(batch)
	}
}

// dropSaved removes what a batch wrote, keeping whatever arrived meanwhile.
func (c *conv) dropSaved(batch activities.PersistBatch) {
	c.Unsaved.Conversations = c.Unsaved.Conversations[len(batch.Conversations):]
	c.convsInFlight = 0
	if c.Unsaved.Rating == batch.Rating {
		c.Unsaved.Rating = nil
	}
	c.Unsaved.Messages = c.Unsaved.Messages[len(batch.Messages):]
}
