package conversation

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// UpdateWithStart runs one of the conversation's updates and waits for its
// answer, starting the workflow with start's options if it does not run yet
// (its opener may not have started it). A validator's refusal comes back as
// its SendResult; a finished workflow is an error IsGone recognises.
func UpdateWithStart(ctx context.Context, c client.Client, conversationID string, start client.StartWorkflowOptions,
	updateID, name string, arg any) (SendResult, error) {
	op := c.NewWithStartWorkflowOperation(start, WorkflowName, Start{ConversationID: conversationID})
	handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID: updateID, WorkflowID: WorkflowID(conversationID), UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var res SendResult
	if err == nil {
		if err = handle.Get(ctx, &res); err == nil {
			return res, nil
		}
	}
	if refusal, ok := AsRefusal(err); ok {
		return refusal, nil
	}
	return res, err
}

// IsGone recognises a conversation whose workflow does not run any more:
// a signal or update finds none, and a start finds it finished (refused as
// already started, by StartOptions' reuse policy).
func IsGone(err error) bool {
	var nf *serviceerror.NotFound
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &nf) || errors.As(err, &started)
}
