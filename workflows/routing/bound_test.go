package routing

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Routing's state bound (issue 9 item 5).
//
// Routing's state grows with the number of conversations waiting: one Entry
// each, which carries ids and times only (no message, no product card, no
// visitor data beyond the user id and display name): a conversation id (a
// 36-character UUID), its workflow id ("conv:" and that UUID), the user id
// and name, skill group, the transfer's agents, ticket, two times and the
// maximum wait. As JSON an entry is about 217 bytes of field names, numbers
// and times (up to 20 more with sub-second times) plus its strings. With a
// 36-character conversation id, a 64-character user id and a name of 32 CJK
// characters (96 bytes), an entry measures 454 bytes; entryBound allows 640,
// room for sub-second times and a transfer's two agent ids. 2,000 visitors
// waiting in one tenant then cost at most 1.25 MiB (measured 0.87 MiB), under
// Temporal's 2 MiB payload limit for the continue-as-new input (though above
// its 512 KiB warning), with agents and recent waits (at most keepWaits per
// skill group) on top.
//
// The bound assumes visitor ids and names of those lengths. The API accepts
// up to 128 characters for each (applyToken); at that length in 4-byte
// characters an entry takes about 1.5 KB, and 2,000 of them would pass the
// 2 MiB limit.
const (
	// queuedVisitors is how many conversations the bound test queues.
	queuedVisitors = 2000
	// entryBound is the most one queued conversation may add to the state.
	entryBound = 640
	// fixedBound is the most the rest of the state (tenant, no agents, no waits) may take.
	fixedBound = 256
)

// TestStateBoundWithTwoThousandQueued queues 2,000 visitors (SignalEnqueue,
// no agent ready) and checks the State routing hands to its next run: every
// entry kept, and no more than fixedBound plus entryBound per entry.
func TestStateBoundWithTwoThousandQueued(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(RoutingWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	start := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	for b := range queuedVisitors / 100 {
		env.RegisterDelayedCallback(func() {
			for i := b * 100; i < (b+1)*100; i++ {
				env.SignalWorkflow(SignalEnqueue, boundEntry(i, start.Add(time.Duration(b+1)*time.Second)))
			}
		}, time.Duration(b+1)*time.Second)
	}
	env.ExecuteWorkflow(WorkflowName, State{TenantID: "demo", ContinueAsNewAfter: queuedVisitors})
	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	var st State
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &st))
	require.Len(t, st.Queue, queuedVisitors)

	full, err := json.Marshal(st)
	require.NoError(t, err)
	st.Queue = nil
	empty, err := json.Marshal(st)
	require.NoError(t, err)
	perEntry := float64(len(full)-len(empty)) / queuedVisitors
	t.Logf("state with %d queued: %d bytes; without the queue: %d bytes; %.1f bytes per entry (bound %d)",
		queuedVisitors, len(full), len(empty), perEntry, entryBound)
	require.LessOrEqual(t, len(empty), fixedBound)
	require.LessOrEqual(t, perEntry, float64(entryBound))
	require.LessOrEqual(t, len(full), fixedBound+queuedVisitors*entryBound)
	require.Less(t, len(full), 2<<20, "above Temporal's payload limit")
}

// boundEntry is the i-th queued visitor, with ids as long as ccflow makes
// them and the visitor's own as long as the bound assumes.
func boundEntry(i int, at time.Time) Entry {
	id := fmt.Sprintf("0193a7f2-5c1e-7d2a-9f3b-%012d", i)
	return Entry{
		ConversationID: id, WorkflowID: "conv:" + id,
		UserID:       fmt.Sprintf("%s-%08d", strings.Repeat("v", 55), i),
		UserName:     strings.Repeat("访", 32),
		SkillGroupID: 11, Ticket: 1, QueuedAt: at, MaxWait: 300 * time.Second,
	}
}
