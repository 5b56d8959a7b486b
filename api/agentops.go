package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// agentOps is the agent API's way into the routing, agent-feed and
// conversation workflows.
type agentOps struct {
	c client.Client
}

// setStatus records an agent's presence with routing and answers with the
// agent as routing now sees them.
func (o agentOps) setStatus(ctx context.Context, tenantID string, s routing.AgentStatus) (routing.Agent, error) {
	var a routing.Agent
	opts := routing.StartOptions(tenantID, conversation.TaskQueue)
	err := o.updateWithStart(ctx, opts, routing.WorkflowName, routing.State{TenantID: tenantID},
		routing.UpdateAgentStatus, s, &a)
	return a, err
}

// updateWithStart runs an update on the workflow opts names, starting it
// with input when it is not running, and decodes the result.
func (o agentOps) updateWithStart(ctx context.Context, opts client.StartWorkflowOptions, workflowName string, input any, update string, arg, result any) error {
	id := opts.ID
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	start := o.c.NewWithStartWorkflowOperation(opts, workflowName, input)
	handle, err := o.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: update, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = handle.Get(ctx, result)
	}
	return asBadRequest(err)
}

// query runs a query and decodes its answer; a workflow that does not exist
// leaves result as it is.
func (o agentOps) query(ctx context.Context, workflowID, name string, result any, args ...any) error {
	val, err := o.c.QueryWorkflow(ctx, workflowID, "", name, args...)
	if isGone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return val.Get(result)
}

// agent is routing's view of one agent; without a routing workflow yet, the agent is offline.
func (o agentOps) agent(ctx context.Context, tenantID, agentID string) (routing.Agent, error) {
	a := routing.Agent{ID: agentID, Status: routing.StatusOffline}
	err := o.query(ctx, routing.WorkflowID(tenantID), routing.QueryAgent, &a, agentID)
	return a, err
}

// queues is routing's view of every queue and agent of the tenant.
func (o agentOps) queues(ctx context.Context, tenantID string) (routing.Queues, error) {
	var q routing.Queues
	err := o.query(ctx, routing.WorkflowID(tenantID), routing.QueryQueues, &q, time.Now())
	return q, err
}

// queueInfo answers spec 003 §4 for a visitor's conversation.
func (o agentOps) queueInfo(ctx context.Context, tenantID string, r routing.QueueInfoRequest) (routing.QueueInfo, error) {
	var qi routing.QueueInfo
	err := o.query(ctx, routing.WorkflowID(tenantID), routing.QueryQueueInfo, &qi, r)
	return qi, err
}

// command runs an agent's update on a conversation and decodes its result.
// A non-empty updateID makes a retry of the same command answer the first
// one's result (Temporal keeps a completed update's outcome by its ID).
func (o agentOps) command(ctx context.Context, workflowID, update, updateID string, arg, result any) error {
	handle, err := o.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: updateID, WorkflowID: workflowID, UpdateName: update, Args: []any{arg},
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
		routing.StartOptions(tenantID, conversation.TaskQueue), routing.WorkflowName, routing.State{TenantID: tenantID})
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
