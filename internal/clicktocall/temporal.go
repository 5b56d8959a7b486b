package clicktocall

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/workflows/call"
	"github.com/ccflow/ccflow/workflows/conversation"
)

// TemporalWorkflows is Workflows on a Temporal client.
type TemporalWorkflows struct {
	Client client.Client
}

// StartCall runs the conversation's start-call update; the call id is the
// update id, so a retried request places one call. It starts the workflow
// if it does not run yet: a call placed right after the CONNECT can come
// before the CONNECT's starter has started it.
func (t TemporalWorkflows) StartCall(ctx context.Context, conversationID string, r conversation.CallRequest) (conversation.SendResult, error) {
	res, err := conversation.UpdateWithStart(ctx, t.Client, conversationID, conversation.StartOptions(conversationID),
		"call:"+r.CallID, conversation.UpdateStartCall, r)
	if conversation.IsGone(err) {
		return conversation.SendResult{Code: CodeFailed, Desc: DescNoConversation}, nil
	}
	return res, err
}

// Update runs one of the call's updates.
func (t TemporalWorkflows) Update(ctx context.Context, callID, name string, arg any) (call.Snapshot, error) {
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: call.WorkflowID(callID), UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var snap call.Snapshot
	if err == nil {
		if err = h.Get(ctx, &snap); err == nil {
			return snap, nil
		}
	}
	if reason, ok := call.AsRefusal(err); ok {
		return snap, &RefusedError{reason}
	}
	if isGone(err) {
		return snap, &RefusedError{call.DescCallEnded}
	}
	return snap, err
}

// isGone recognises a call whose workflow does not run (any more).
func isGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
