package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/workflows/agentdesk"
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// agentOps is the agent API's way into the routing, agent-feed and
// conversation workflows.
type agentOps struct {
	c client.Client
}

// setStatus records an agent's presence with routing and answers with the
// agent as routing now sees them. The agent's feed is started first, so the
// assignments the new status brings have somewhere to go.
func (o agentOps) setStatus(ctx context.Context, tenantID string, s routing.AgentStatus) (routing.Agent, error) {
	deskID := agentdesk.WorkflowID(s.AgentID)
	_, err := o.c.SignalWithStartWorkflow(ctx, deskID, agentdesk.SignalEvent,
		agentdesk.Event{Type: agentdesk.EventStatus, Status: string(s.Status)},
		client.StartWorkflowOptions{ID: deskID, TaskQueue: conversation.TaskQueue},
		agentdesk.WorkflowName, agentdesk.State{AgentID: s.AgentID, RoutingWorkflowID: routing.WorkflowID(tenantID)})
	if err != nil {
		return routing.Agent{}, err
	}
	id := routing.WorkflowID(tenantID)
	start := o.c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: conversation.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, routing.WorkflowName, routing.State{TenantID: tenantID})
	handle, err := o.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: routing.UpdateAgentStatus, Args: []any{s},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var a routing.Agent
	if err == nil {
		err = handle.Get(ctx, &a)
	}
	return a, asBadRequest(err)
}

// agent is routing's view of one agent; without a routing workflow yet, the agent is offline.
func (o agentOps) agent(ctx context.Context, tenantID, agentID string) (routing.Agent, error) {
	var a routing.Agent
	val, err := o.c.QueryWorkflow(ctx, routing.WorkflowID(tenantID), "", routing.QueryAgent, agentID)
	if isGone(err) {
		return routing.Agent{ID: agentID, Status: routing.StatusOffline}, nil
	}
	if err != nil {
		return a, err
	}
	return a, val.Get(&a)
}

// queues is routing's view of every queue and agent of the tenant.
func (o agentOps) queues(ctx context.Context, tenantID string) (routing.Queues, error) {
	var q routing.Queues
	val, err := o.c.QueryWorkflow(ctx, routing.WorkflowID(tenantID), "", routing.QueryQueues)
	if isGone(err) {
		return q, nil
	}
	if err != nil {
		return q, err
	}
	return q, val.Get(&q)
}

// queueInfo answers spec 003 §4 for a visitor's conversation.
func (o agentOps) queueInfo(ctx context.Context, tenantID, workflowID string) (routing.QueueInfo, error) {
	var qi routing.QueueInfo
	val, err := o.c.QueryWorkflow(ctx, routing.WorkflowID(tenantID), "", routing.QueryQueueInfo, routing.QueueInfoRequest{WorkflowID: workflowID})
	if isGone(err) {
		return qi, nil
	}
	if err != nil {
		return qi, err
	}
	return qi, val.Get(&qi)
}

// events long-polls the agent's feed, starting it if it is not running.
func (o agentOps) events(ctx context.Context, tenantID, agentID string, r agentdesk.PollRequest) (agentdesk.PollResult, error) {
	id := agentdesk.WorkflowID(agentID)
	start := o.c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: conversation.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, agentdesk.WorkflowName, agentdesk.State{AgentID: agentID, RoutingWorkflowID: routing.WorkflowID(tenantID)})
	handle, err := o.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: agentdesk.UpdatePoll, Args: []any{r},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var res agentdesk.PollResult
	if err == nil {
		err = handle.Get(ctx, &res)
	}
	return res, asBadRequest(err)
}

// command runs an agent's update on a conversation and decodes its result.
func (o agentOps) command(ctx context.Context, workflowID, update string, arg, result any) error {
	handle, err := o.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: update, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, result)
	}
	if refusal, ok := conversation.AsRefusal(err); ok {
		status := http.StatusConflict
		if refusal.Desc == conversation.DescNotYourConversation {
			status = http.StatusForbidden
		}
		return &apiError{status, strconv.Itoa(status), refusal.Desc}
	}
	if isGone(err) {
		return errConversationGone
	}
	return asBadRequest(err)
}

// errConversationGone is an agent command on a conversation whose workflow has ended.
var errConversationGone = &apiError{http.StatusConflict, "409", "the conversation has ended"}

// release frees an agent's slot for a conversation whose workflow is gone.
func (o agentOps) release(ctx context.Context, tenantID, conversationID string) error {
	id := routing.WorkflowID(tenantID)
	// The largest ticket outranks every request the conversation ever made.
	_, err := o.c.SignalWithStartWorkflow(ctx, id, routing.SignalLeave,
		routing.Leave{ConversationID: conversationID, Ticket: math.MaxInt64},
		client.StartWorkflowOptions{ID: id, TaskQueue: conversation.TaskQueue},
		routing.WorkflowName, routing.State{TenantID: tenantID})
	return err
}

// asBadRequest turns a validator's refusal into a 400 with its text.
func asBadRequest(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return errBadRequest(appErr.Message())
	}
	return err
}

// snapshot reads an open conversation's state; a workflow that has ended
// answers an empty snapshot.
func (o agentOps) snapshot(ctx context.Context, workflowID string) (conversation.Snapshot, error) {
	var snap conversation.Snapshot
	val, err := o.c.QueryWorkflow(ctx, workflowID, "", conversation.QueryState)
	if isGone(err) {
		return snap, nil
	}
	if err != nil {
		return snap, err
	}
	return snap, val.Get(&snap)
}
