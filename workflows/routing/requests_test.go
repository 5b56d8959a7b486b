package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestABatchOfRequestsIsAppliedInOrderLikeSingleSignals sends enqueues and
// a leave in one SignalRequests: the conversations are queued, the one that
// left is not assigned, and the others get the agents as single signals
// would have given them.
func TestABatchOfRequestsIsAppliedInOrderLikeSingleSignals(t *testing.T) {
	h := newHarness(t)
	c1, c2, c3 := entry("c1", 11, start.Add(100*time.Millisecond)), entry("c2", 11, start), entry("c3", 11, start.Add(200*time.Millisecond))
	h.at(time.Second, func() {
		h.env.SignalWorkflow(SignalRequests, Requests{Items: []Request{
			{Enqueue: &c1}, {Enqueue: &c2}, {Enqueue: &c3},
			{Leave: &Leave{ConversationID: "c3", Ticket: 1}},
		}})
	})
	h.at(2*time.Second, func() {
		q := h.queues()
		require.Len(t, q.Waiting, 2, "c3 left in the same batch it joined in")
		require.Equal(t, "c2", q.Waiting[0].ConversationID, "longest waiting first")
		h.status(ready("a1", 1, 11), nil)
	})
	h.at(3*time.Second, func() { h.status(ready("a2", 1, 11), nil) })
	h.run(State{TenantID: "demo"}, 4*time.Second)
	require.Equal(t, map[string]string{"c2": "a1", "c1": "a2"}, h.assignedTo())
}
