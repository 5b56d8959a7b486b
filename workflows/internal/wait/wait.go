// Package wait holds the one waiting primitive ccflow's workflows share.
package wait

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Until waits for cond or the deadline (none when zero) and reports whether
// cond came first. Its timer is cancelled when cond wins, so no timer is left
// pending in the history.
func Until(ctx workflow.Context, deadline time.Time, cond func() bool) (bool, error) {
	if deadline.IsZero() {
		return true, workflow.Await(ctx, cond)
	}
	d := deadline.Sub(workflow.Now(ctx))
	if d <= 0 {
		return cond(), nil
	}
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(timerCtx, d)
	if err := workflow.Await(ctx, func() bool { return cond() || timer.IsReady() }); err != nil {
		return false, err
	}
	return cond(), nil
}
