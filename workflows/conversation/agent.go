package conversation

import (
	"errors"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/agentdesk"
)

// maxAgentContent bounds an agent's message, in characters.
const maxAgentContent = 2000

// routingPending reports routing signals not yet applied. An agent learns of
// an assignment once its signal is in this workflow's history, and may act
// at once: the command can then reach this task before the coroutine that
// applies the assignment has run.
func (c *conv) routingPending() bool {
	return c.assigned.Len() > 0 || c.requeued.Len() > 0
}

// checkServedBy is servedBy for a handler: it first lets pending routing
// signals apply, so an agent acting right on their assignment is not refused.
func (c *conv) checkServedBy(ctx workflow.Context, agentID, conversationID string) error {
	if err := workflow.Await(ctx, func() bool { return !c.routingPending() }); err != nil {
		return err
	}
	return c.servedBy(agentID, conversationID)
}

// servedBy refuses an agent command from anyone but the serving agent of
// this very conversation. This is the check the agent API relies on: it finds
// the workflow from the records and lets the workflow, which knows who serves
// it now, decide.
func (c *conv) servedBy(agentID, conversationID string) error {
	if c.Phase != PhaseAgent || agentID == "" || agentID != c.Agent.AgentID || conversationID != c.ConversationID {
		return refuse(CodeFailed, DescNotYourConversation)
	}
	return nil
}

func (c *conv) validateAgentSend(_ workflow.Context, r AgentSendRequest) error {
	if d := c.remembered(agentKey(r.DedupeKey)); d != nil {
		return nil
	}
	if err := c.servedBy(r.AgentID, r.ConversationID); err != nil && !c.routingPending() {
		return err
	}
	if r.Content == "" || utf8.RuneCountInString(r.Content) > maxAgentContent {
		return errors.New("content must be 1 to 2000 characters")
	}
	return nil
}

// onAgentSend delivers the agent's message to the visitor.
func (c *conv) onAgentSend(ctx workflow.Context, r AgentSendRequest) (Message, error) {
	c.runUpdates++
	key := agentKey(r.DedupeKey)
	if d := c.remembered(key); d != nil {
		for _, m := range c.Messages {
			if m.Seq == d.Seq {
				return m, nil
			}
		}
		return Message{Seq: d.Seq, MessageCode: c.messageCode(d.Seq)}, nil
	}
	if err := c.checkServedBy(ctx, r.AgentID, r.ConversationID); err != nil {
		return Message{}, err
	}
	c.LastActivity = workflow.Now(ctx)
	media := r.MediaType
	if media == "" {
		media = "TEXT"
	}
	m := c.record(ctx, Message{
		Downlink: true, SourceType: SourceAgent, SenderID: c.Agent.AgentID, SenderNickname: c.Agent.AgentName,
		ControlType: ControlChat, MediaType: media, Content: r.Content,
	})
	c.remember(key, SendResult{CodeOK, DescUserMessage}, m.Seq)
	return m, nil
}

func agentKey(k string) string {
	if k == "" {
		return ""
	}
	return "agent:" + k
}

func (c *conv) validateAgentTransfer(_ workflow.Context, r AgentTransferRequest) error {
	if err := c.servedBy(r.AgentID, r.ConversationID); err != nil && !c.routingPending() {
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
	c.runUpdates++
	if err := c.checkServedBy(ctx, r.AgentID, r.ConversationID); err != nil {
		return Snapshot{}, err
	}
	now := workflow.Now(ctx)
	c.tellAgent(ctx, r.AgentID, agentdesk.Event{Type: agentdesk.EventTransferred})
	c.FromAgentID = r.AgentID
	c.Agent = AgentRef{}
	c.TargetAgentID = r.ToAgentID
	if r.ToSkillGroupID > 0 {
		c.SkillGroupID = r.ToSkillGroupID
	}
	c.QueuedAt = &now
	c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textTransferring))
	c.setPhase(ctx, PhaseQueued)
	c.requestQueue()
	return c.snapshot()
}

func (c *conv) validateAgentClose(_ workflow.Context, r AgentCloseRequest) error {
	if err := c.servedBy(r.AgentID, r.ConversationID); err != nil && !c.routingPending() {
		return err
	}
	return nil
}

// onAgentClose is the agent ending the service; the visitor is asked for a rating.
func (c *conv) onAgentClose(ctx workflow.Context, r AgentCloseRequest) (Snapshot, error) {
	c.runUpdates++
	if err := c.checkServedBy(ctx, r.AgentID, r.ConversationID); err != nil {
		return Snapshot{}, err
	}
	c.end(ctx, "agent")
	return c.snapshot()
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
