package routing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// Assigner tells conversations of the agents routing gave them, a batch
// per local activity. A SignalExternalWorkflow per assignment cost routing
// a workflow task each when its result came back: under a burst of
// arrivals, routing's one workflow spent its time on those instead of on
// the queue.
type Assigner struct {
	Client client.Client
}

// tellRetry bounds the backoff between attempts at one signal.
const tellRetry = 2 * time.Second

// Tell signals each conversation its assignment, in parallel, and answers
// the conversations that no longer run (routing frees their agents). Any
// other failure is tried again here until ctx ends, and only then fails the
// batch; the retry of the whole batch tells some conversations twice, which
// a conversation recognises (same ticket, same agent) and ignores.
func (a *Assigner) Tell(ctx context.Context, batch []AssignNotice) ([]string, error) {
	gone := make([]bool, len(batch))
	errs := make([]error, len(batch))
	var wg sync.WaitGroup
	for i, n := range batch {
		wg.Go(func() {
			gone[i], errs[i] = a.tell(ctx, n)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var ids []string
	for i, g := range gone {
		if g {
			ids = append(ids, batch[i].Assignment.ConversationID)
		}
	}
	return ids, nil
}

// tell signals one conversation; it reports true when the conversation's
// workflow is gone.
func (a *Assigner) tell(ctx context.Context, n AssignNotice) (bool, error) {
	wait := 20 * time.Millisecond
	for {
		err := a.Client.SignalWorkflow(ctx, n.WorkflowID, "", SignalAssigned, n.Assignment)
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			return false, nil
		case errors.As(err, &nf):
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("tell %s of its agent: %w", n.WorkflowID, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, tellRetry)
	}
}
