package retention

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// maxBatches bounds one run's history; a backlog larger than that waits
// for the next hour's run.
const maxBatches = 50

// FileRetentionWorkflow removes expired files batch by batch and answers
// how many it removed.
func FileRetentionWorkflow(ctx workflow.Context) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 5},
	})
	total := 0
	for range maxBatches {
		var b Batch
		if err := workflow.ExecuteActivity(ctx, ActivityName).Get(ctx, &b); err != nil {
			return total, err
		}
		total += b.Removed
		if !b.More {
			break
		}
	}
	return total, nil
}
