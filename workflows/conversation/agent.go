package conversation

import (
	"errors"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// servedBy refuses an agent command from anyone but the serving agent of
// this very conversation.
func (c *conv) servedBy(agentID, conversationID string) error {
	if c.Phase != PhaseAgent || agentID == "" || agentID != c.Agent.AgentID || conversationID != c.ConversationID {
		return refuse(CodeFailed, DescNotYourConversation)
	}
	return nil
}

func (c *conv) validateAgentTransfer(_ workflow.Context, r AgentTransferRequest) error {
	if !c.loaded {
		return nil
	}
	if err := c.servedBy(r.AgentID, r.ConversationID); err != nil {
		return err
	}
	switch {
	case r.ToAgentID == r.AgentID:
		return refuse(CodeFailed, DescTransferToSelf)
	case r.ToAgentID == "" && r.ToSkillGroupID <= 0:
		return errors.New("a transfer needs an agent or a skill group")
	}
	return nil
}

// onAgentTransfer puts the conversation back in a queue: a named agent's or a skill group's.
func (c *conv) onAgentTransfer(ctx workflow.Context, r AgentTransferRequest) (Snapshot, error) {
	return underLock(ctx, c, func() (Snapshot, error) {
		if err := c.servedBy(r.AgentID, r.ConversationID); err != nil {
			return Snapshot{}, err
		}
		now := workflow.Now(ctx)
		group := c.SkillGroupID
		if r.ToSkillGroupID > 0 {
			group = r.ToSkillGroupID
		}
		none := ""
		ok, err := c.change(ctx, activities.Transition{
			Phase:    string(PhaseQueued),
			Set:      activities.Fields{QueuedAt: &now, AgentID: &none, AgentName: &none, SkillGroupID: &group},
			Messages: []activities.LogMessage{c.notice(textTransferring)},
			Events:   c.agentLeft("transferred"),
		})
		if err != nil || !ok {
			return Snapshot{}, err
		}
		c.FromAgentID, c.Agent, c.TargetAgentID, c.SkillGroupID, c.QueuedAt = r.AgentID, AgentRef{}, r.ToAgentID, group, &now
		c.requestQueue()
		return c.snapshot()
	})
}

func (c *conv) validateAgentClose(_ workflow.Context, r AgentCloseRequest) error {
	if !c.loaded {
		return nil
	}
	return c.servedBy(r.AgentID, r.ConversationID)
}

// onAgentClose is the agent ending the service; the visitor is asked for a rating.
func (c *conv) onAgentClose(ctx workflow.Context, r AgentCloseRequest) (Snapshot, error) {
	return underLock(ctx, c, func() (Snapshot, error) {
		if err := c.servedBy(r.AgentID, r.ConversationID); err != nil {
			return Snapshot{}, err
		}
		if err := c.end(ctx, "agent", nil); err != nil {
			return Snapshot{}, err
		}
		return c.snapshot()
	})
}
