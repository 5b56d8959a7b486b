package routing

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// signals plays the Temporal client's SignalWorkflow for Assigner.Tell.
type signals struct {
	client.Client
	mu sync.Mutex
	// gone workflows answer NotFound; flaky ones fail their first attempts.
	gone  map[string]bool
	flaky map[string]int
	got   map[string]Assignment
}

func (s *signals) SignalWorkflow(_ context.Context, workflowID, _, name string, arg any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case name != SignalAssigned:
		return errors.New("unexpected signal " + name)
	case s.gone[workflowID]:
		return serviceerror.NewNotFound("workflow execution already completed")
	case s.flaky[workflowID] > 0:
		s.flaky[workflowID]--
		return serviceerror.NewUnavailable("frontend restarting")
	}
	s.got[workflowID] = arg.(Assignment)
	return nil
}

func TestTellAnswersGoneConversationsAndRetriesTheOthers(t *testing.T) {
	s := &signals{gone: map[string]bool{"conv:b": true}, flaky: map[string]int{"conv:c": 2}, got: map[string]Assignment{}}
	a := &Assigner{Client: s}
	batch := []AssignNotice{
		{WorkflowID: "conv:a", Assignment: Assignment{ConversationID: "a", Ticket: 1, AgentID: "x"}},
		{WorkflowID: "conv:b", Assignment: Assignment{ConversationID: "b", Ticket: 1, AgentID: "y"}},
		{WorkflowID: "conv:c", Assignment: Assignment{ConversationID: "c", Ticket: 2, AgentID: "x"}},
	}
	gone, err := a.Tell(context.Background(), batch)
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, gone, "only the conversation that no longer runs")
	require.Equal(t, map[string]Assignment{"conv:a": batch[0].Assignment, "conv:c": batch[2].Assignment}, s.got,
		"an unavailable frontend is tried again")

	// A frontend down for the whole window fails the batch, for the SDK to retry.
	s.flaky["conv:d"] = 1 << 30
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = a.Tell(ctx, []AssignNotice{{WorkflowID: "conv:d", Assignment: Assignment{ConversationID: "d"}}})
	require.ErrorContains(t, err, "frontend restarting")
}
