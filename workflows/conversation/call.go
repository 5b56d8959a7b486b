package conversation

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/call"
)

// Click-to-call (spec 003 §11–14): a call is a child workflow of its
// conversation. The conversation reserves the agent (routing assigns the
// conversation to an agent of its skill group within the agent's
// capacity, and the call rings whoever serves it), and it tells the call
// when its agent changes or it ends.

// callVersion is the GetVersion change id of click-to-call in this workflow.
const callVersion = "click-to-call"

// validateStartCall refuses, without history, a call the conversation
// cannot take: it is ending.
func (c *conv) validateStartCall(_ workflow.Context, _ CallRequest) error {
	if c.loaded && (c.Phase == PhaseSatisfaction || c.Phase == PhaseClosed) {
		return refuse(CodeFailed, DescCallNoConversation)
	}
	return nil
}

// previousCallGrace is how long a new call waits for the previous one's
// workflow to complete: the visitor saw it end (its last step is written)
// a moment before its workflow completes, and may call back at once.
const previousCallGrace = 10 * time.Second

// onStartCall starts the call's workflow. A conversation still with the
// robot is transferred to the queue first (as TRANS2AGENT would), unless
// agents are off work (12).
func (c *conv) onStartCall(ctx workflow.Context, r CallRequest) (SendResult, error) {
	return underLock(ctx, c, func() (SendResult, error) {
		if workflow.GetVersion(ctx, callVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return SendResult{CodeFailed, DescCallNoConversation}, nil
		}
		if c.CallID == r.CallID {
			return SendResult{CodeOK, DescCallCreated}, nil
		}
		if err := c.validateStartCall(ctx, r); err != nil {
			if res, ok := AsRefusal(err); ok {
				return res, nil
			}
			return SendResult{}, err
		}
		if c.CallID != "" {
			// The API places a call only when the visitor's last one has
			// ended; its workflow may still be completing.
			ended, err := workflow.AwaitWithTimeout(ctx, previousCallGrace, func() bool { return c.CallID == "" })
			if err != nil {
				return SendResult{}, err
			}
			if !ended {
				return SendResult{CodeFailed, DescCallInProgress}, nil
			}
		}
		if c.Phase == PhaseRobot || c.Phase == PhaseQueued {
			if !c.agentsWorking(ctx) {
				return SendResult{CodeNotWorkingHrs, DescNotWorkingHours}, nil
			}
		}
		if c.Phase == PhaseRobot {
			if err := c.enqueue(ctx, nil); err != nil {
				return SendResult{}, err
			}
		}
		start := call.Start{
			CallID: r.CallID, ConversationID: c.ConversationID, TenantID: c.Channel.TenantID, ChannelID: c.Channel.ID,
			UserID: c.Visitor.UserID, Locale: c.Channel.Locale, Video: r.Video,
			QueueTimeout: r.QueueTimeout, RingTimeout: r.RingTimeout, MaxDuration: r.MaxDuration,
		}
		if c.Phase == PhaseAgent {
			start.Agent = call.AgentRef{AgentID: c.Agent.AgentID, AgentName: c.Agent.AgentName}
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: call.WorkflowID(r.CallID),
			// The conversation ends its call itself (tellCall) before it
			// completes; the policy only covers a conversation terminated.
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		})
		fut := workflow.ExecuteChildWorkflow(cctx, call.WorkflowName, start)
		if err := fut.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("call did not start", "call", r.CallID, "error", err)
			return SendResult{CodeFailed, DescCallFailed}, nil
		}
		c.CallID, c.CallAgent, c.CallEnded = r.CallID, start.Agent.AgentID, false
		id := r.CallID
		workflow.Go(ctx, func(ctx workflow.Context) {
			if err := fut.Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("call ended with an error", "call", id, "error", err)
			}
			if c.CallID == id {
				c.CallID, c.CallAgent, c.CallEnded = "", "", false
			}
		})
		return SendResult{CodeOK, DescCallCreated}, nil
	})
}

// tellCall tells the running call what changed in the conversation: a new
// serving agent (none while queued) or its end. It runs after every step of
// the conversation, under its lock.
func (c *conv) tellCall(ctx workflow.Context) {
	if c.CallID == "" {
		return
	}
	ended := c.Phase == PhaseSatisfaction || c.Phase == PhaseClosed
	var agent call.AgentRef
	if c.Phase == PhaseAgent {
		agent = call.AgentRef{AgentID: c.Agent.AgentID, AgentName: c.Agent.AgentName}
	}
	if ended == c.CallEnded && agent.AgentID == c.CallAgent {
		return
	}
	news := call.ConversationNews{Agent: agent, Ended: ended}
	err := workflow.SignalExternalWorkflow(ctx, call.WorkflowID(c.CallID), "", call.SignalConversation, news).Get(ctx, nil)
	if err != nil {
		// The call has ended meanwhile; nothing to tell.
		workflow.GetLogger(ctx).Info("call not told", "call", c.CallID, "error", err)
	}
	c.CallAgent, c.CallEnded = agent.AgentID, ended
}
