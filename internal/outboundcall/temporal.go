package outboundcall

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// TemporalWorkflows is Workflows on a Temporal client.
type TemporalWorkflows struct {
	Client    client.Client
	TaskQueue string
}

// Start runs the call's workflow; its id is the call's serial number.
func (t TemporalWorkflows) Start(ctx context.Context, in flow.Start) error {
	_, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: flow.WorkflowID(in.CallSerialNo), TaskQueue: t.TaskQueue,
	}, flow.WorkflowName, in)
	return err
}

// Dial runs the dial update; a refusal, or a workflow that no longer runs,
// is a *RefusedError.
func (t TemporalWorkflows) Dial(ctx context.Context, callSerialNo string) error {
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: flow.WorkflowID(callSerialNo), UpdateName: flow.UpdateDial,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if reason, ok := flow.AsRefusal(err); ok {
		return &RefusedError{reason}
	}
	if isGone(err) {
		return &RefusedError{flow.DescEnded}
	}
	return err
}

// Answered signals the trunk leg's answer.
func (t TemporalWorkflows) Answered(ctx context.Context, callSerialNo string) error {
	return t.signal(ctx, callSerialNo, flow.SignalAnswered, nil)
}

// Ended signals a leg's end.
func (t TemporalWorkflows) Ended(ctx context.Context, callSerialNo string, e flow.LegEnded) error {
	return t.signal(ctx, callSerialNo, flow.SignalEnded, e)
}

func (t TemporalWorkflows) signal(ctx context.Context, callSerialNo, name string, arg any) error {
	err := t.Client.SignalWorkflow(ctx, flow.WorkflowID(callSerialNo), "", name, arg)
	if isGone(err) {
		// The workflow ended already (its own timer ended the call).
		return nil
	}
	return err
}

// isGone recognises a workflow that does not run (any more).
func isGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
