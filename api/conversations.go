package api

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/conversation"
)

// conversations is the API's one way into conversation workflows: it turns
// sends, polls and ratings into updates and maps "no such conversation" to
// the answers the spec gives for it.
type conversations struct {
	c client.Client
}

// errNoConversation means the visitor has no open conversation on that channel.
var errNoConversation = errors.New("no open conversation")

// send applies a customer send. CONNECT starts the conversation when none is
// open (update-with-start), so the greeting and the answer come in one round trip.
func (cv conversations) send(ctx context.Context, ch conversation.Channel, v conversation.Visitor, r conversation.SendRequest) (conversation.SendResult, error) {
	id := conversation.WorkflowID(ch.ID, v.UserID)
	opts := client.UpdateWorkflowOptions{
		UpdateID:     r.DedupeKey,
		WorkflowID:   id,
		UpdateName:   conversation.UpdateSend,
		Args:         []any{r},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	var (
		handle client.WorkflowUpdateHandle
		err    error
	)
	if r.ControlType == conversation.ControlConnect {
		start := cv.c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID:                       id,
			TaskQueue:                conversation.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		}, conversation.WorkflowName, conversation.State{Channel: ch, Visitor: v})
		handle, err = cv.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start, UpdateOptions: opts,
		})
	} else {
		handle, err = cv.c.UpdateWorkflow(ctx, opts)
	}
	if err == nil {
		var res conversation.SendResult
		err = handle.Get(ctx, &res)
		if err == nil {
			return res, nil
		}
	}
	if res, ok := conversation.AsRefusal(err); ok {
		return res, nil
	}
	if isGone(err) {
		return noSessionResult(r.ControlType), nil
	}
	return conversation.SendResult{}, err
}

// noSessionResult answers a send that names no open conversation, in the spec's words.
func noSessionResult(t conversation.ControlType) conversation.SendResult {
	switch t {
	case conversation.ControlTrans2Agent:
		return conversation.SendResult{Code: conversation.CodeFailed, Desc: conversation.DescTransferNoSession}
	case conversation.ControlDisconnect:
		return conversation.SendResult{Code: conversation.CodeFailed, Desc: conversation.DescDisconnectFailed}
	}
	return conversation.SendResult{Code: conversation.CodeFailed, Desc: conversation.DescUserMessageFailed}
}

// poll hands out downlink messages. A conversation that has ended can still be
// read with a cursor; without one there is nothing more to deliver.
func (cv conversations) poll(ctx context.Context, channelID, userID string, r conversation.PollRequest) (conversation.PollResult, error) {
	id := conversation.WorkflowID(channelID, userID)
	handle, err := cv.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: conversation.UpdatePoll, Args: []any{r},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res conversation.PollResult
	if err == nil {
		if err = handle.Get(ctx, &res); err == nil {
			return res, nil
		}
	}
	if !isGone(err) {
		return res, err
	}
	res.Cursor = r.Cursor
	if !r.HasCursor {
		return res, nil
	}
	val, err := cv.c.QueryWorkflow(ctx, id, "", conversation.QueryMessages, conversation.MessagesQuery{AfterSeq: r.Cursor})
	if isGone(err) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	if err := val.Get(&res.Messages); err != nil {
		return res, err
	}
	if n := len(res.Messages); n > 0 {
		res.Cursor = res.Messages[n-1].Seq
	}
	return res, nil
}

// state reads where the visitor's open conversation stands.
func (cv conversations) state(ctx context.Context, channelID, userID string) (conversation.Snapshot, error) {
	var snap conversation.Snapshot
	resp, err := cv.c.DescribeWorkflowExecution(ctx, conversation.WorkflowID(channelID, userID), "")
	if isGone(err) || (err == nil && resp.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING) {
		return snap, errNoConversation
	}
	if err != nil {
		return snap, err
	}
	val, err := cv.c.QueryWorkflow(ctx, conversation.WorkflowID(channelID, userID), "", conversation.QueryState)
	if isGone(err) {
		return snap, errNoConversation
	}
	if err != nil {
		return snap, err
	}
	return snap, val.Get(&snap)
}

// live says whether the visitor's conversation is open, for token renewal.
func (cv conversations) live(ctx context.Context, channelID, userID string) (bool, error) {
	resp, err := cv.c.DescribeWorkflowExecution(ctx, conversation.WorkflowID(channelID, userID), "")
	if isGone(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return resp.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

// rate records a satisfaction rating.
func (cv conversations) rate(ctx context.Context, channelID, userID string, r conversation.RateRequest) (conversation.SendResult, error) {
	handle, err := cv.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: conversation.WorkflowID(channelID, userID), UpdateName: conversation.UpdateRate,
		Args: []any{r}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res conversation.SendResult
	if err == nil {
		if err = handle.Get(ctx, &res); err == nil {
			return res, nil
		}
	}
	if refusal, ok := conversation.AsRefusal(err); ok {
		return refusal, nil
	}
	if isGone(err) {
		return conversation.SendResult{Code: conversation.CodeFailed, Desc: conversation.DescSatisfactionNoCall}, nil
	}
	return res, err
}

// isGone recognises a workflow that does not exist or has already completed:
// the server answers both with NotFound.
func isGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
