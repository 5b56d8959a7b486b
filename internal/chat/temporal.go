package chat

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// TemporalWorkflows is Workflows on a Temporal client. Every call can start
// the workflow: a conversation whose starter died is started by whoever
// needs it first, with only its id (the workflow loads the rest).
type TemporalWorkflows struct {
	Client client.Client
}

// startOptions start the conversation's workflow with the opening's summary
// as Temporal UI's static summary and its listing as the start's search
// attributes (the workflow's first step then has nothing to upsert).
func startOptions(conversationID string, o Opening) client.StartWorkflowOptions {
	opts := conversation.StartOptions(conversationID)
	opts.StaticSummary = o.Summary
	if o.Listing != nil {
		opts.TypedSearchAttributes = o.Listing.SearchAttributes()
	}
	return opts
}

// Start starts the conversation's workflow unless it runs or ran.
func (t TemporalWorkflows) Start(ctx context.Context, conversationID string, o Opening) error {
	opts := startOptions(conversationID, o)
	// Eager start: when this process runs a worker (the all-in-one, or a
	// worker that starts conversations), the server hands the first workflow
	// task back in the start's answer instead of through matching, where a
	// burst of arrivals queued for seconds behind each other.
	opts.EnableEagerStart = true
	_, err := t.Client.ExecuteWorkflow(ctx, opts, conversation.WorkflowName, conversation.Start{ConversationID: conversationID})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// AskRobot signals the question's seq, starting the workflow if needed.
func (t TemporalWorkflows) AskRobot(ctx context.Context, conversationID string, o Opening, seq int64) error {
	_, err := t.Client.SignalWithStartWorkflow(ctx, conversation.WorkflowID(conversationID), conversation.SignalRobotQuestion,
		conversation.RobotQuestion{Seq: seq}, startOptions(conversationID, o), conversation.WorkflowName,
		conversation.Start{ConversationID: conversationID})
	return err
}

// Command runs the visitor's command as an update (with start).
func (t TemporalWorkflows) Command(ctx context.Context, conversationID string, o Opening, r conversation.CommandRequest) (conversation.SendResult, error) {
	res, err := conversation.UpdateWithStart(ctx, t.Client, conversationID, startOptions(conversationID, o),
		r.DedupeKey, conversation.UpdateCommand, r)
	if conversation.IsGone(err) {
		return noSession(r.ControlType), nil
	}
	return res, err
}

// Rated signals the stored rating; a finished conversation needs no telling.
func (t TemporalWorkflows) Rated(ctx context.Context, conversationID string) error {
	err := t.Client.SignalWorkflow(ctx, conversation.WorkflowID(conversationID), "", conversation.SignalRated, nil)
	if conversation.IsGone(err) {
		return nil
	}
	return err
}

// AgentAway signals the tenant's routing, starting it if needed.
func (t TemporalWorkflows) AgentAway(ctx context.Context, tenantID, agentID string) error {
	id := routing.WorkflowID(tenantID)
	_, err := t.Client.SignalWithStartWorkflow(ctx, id, routing.SignalAgentAway, routing.AgentAway{AgentID: agentID},
		routing.StartOptions(tenantID, conversation.TaskQueue), routing.WorkflowName, routing.State{TenantID: tenantID})
	return err
}
