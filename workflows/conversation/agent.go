package conversation

import (
	"errors"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// onAssign moves a queued conversation to the agent routing chose.
func (c *conv) onAssign(ctx workflow.Context, a AssignSignal) {
	if c.Phase != PhaseQueued {
		workflow.GetLogger(ctx).Warn("assignment ignored", "phase", c.Phase, "agent", a.AgentID)
		return
	}
	now := workflow.Now(ctx)
	c.Agent = a
	c.AgentJoined = true
	c.AssignedAt = &now
	c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textConnected))
	c.setPhase(ctx, PhaseAgent)
}

// onAgentClose is the agent ending the service; the visitor is asked for a rating.
func (c *conv) onAgentClose(ctx workflow.Context) {
	if c.Phase != PhaseAgent {
		return
	}
	c.end(ctx, "agent")
}

func (c *conv) validateRate(_ workflow.Context, r RateRequest) error {
	if !c.AgentJoined || c.Rated {
		return refuse(CodeFailed, DescSatisfactionNoCall)
	}
	if r.Evaluation < 1 || r.Evaluation > 5 {
		return errors.New("evaluation must be 1 to 5")
	}
	return nil
}

// onRate records the rating and, when the conversation was waiting for it, closes it.
func (c *conv) onRate(ctx workflow.Context, r RateRequest) (SendResult, error) {
	c.runUpdates++
	c.Rated = true
	c.Unsaved.Rating = &activities.RatingRecord{
		ConversationID: c.ConversationID, TenantID: c.Channel.TenantID, ChannelConfigID: c.Channel.ID,
		UserID: c.Visitor.UserID, AgentID: c.Agent.AgentID, Evaluation: r.Evaluation, Comment: r.Comment,
		At: workflow.Now(ctx),
	}
	if c.Phase == PhaseSatisfaction {
		c.close(ctx, c.CloseReason)
	}
	return SendResult{CodeOK, DescSatisfactionOK}, nil
}
