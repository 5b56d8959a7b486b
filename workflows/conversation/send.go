package conversation

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/internal/hours"
	"github.com/ccflow/ccflow/workflows/agentdesk"
)

// validateSend refuses, without touching history, the sends the conversation
// cannot take in its current phase.
func (c *conv) validateSend(ctx workflow.Context, r SendRequest) error {
	if c.remembered(r.DedupeKey) != nil {
		return nil
	}
	switch r.ControlType {
	case ControlConnect:
		return nil
	case ControlChat:
		if c.Phase == PhaseClosed || c.Phase == PhaseSatisfaction {
			return refuse(CodeFailed, DescUserMessageFailed)
		}
	case ControlInput:
		if c.Phase == PhaseRobot {
			return refuse(CodeFailed, DescInputRobot)
		}
		if c.Phase != PhaseQueued && c.Phase != PhaseAgent {
			return refuse(CodeFailed, DescUserMessageFailed)
		}
	case ControlTrans2Agent:
		switch c.Phase {
		case PhaseAgent:
			return refuse(CodeFailed, DescTransferIsAgent)
		case PhaseSatisfaction, PhaseClosed:
			return refuse(CodeFailed, DescTransferNoSession)
		}
	case ControlDisconnect:
		if c.Phase == PhaseClosed {
			return refuse(CodeFailed, DescDisconnectFailed)
		}
	default:
		return refuse(CodeFailed, "unknown controlType "+string(r.ControlType))
	}
	return nil
}

// onSend applies a customer send and answers with the spec's result.
func (c *conv) onSend(ctx workflow.Context, r SendRequest) (SendResult, error) {
	c.runUpdates++
	if d := c.remembered(r.DedupeKey); d != nil {
		return d.Result, nil
	}
	res := c.apply(ctx, r)
	c.remember(r.DedupeKey, res, 0)
	return res, nil
}

// remember keeps a command's answer for its dedupe key, in a bounded window.
func (c *conv) remember(key string, res SendResult, seq int64) {
	if key == "" {
		return
	}
	c.Dedupe = append(c.Dedupe, Deduped{Key: key, Result: res, Seq: seq})
	if len(c.Dedupe) > keepDedupe {
		c.Dedupe = c.Dedupe[len(c.Dedupe)-keepDedupe:]
	}
}

func (c *conv) remembered(key string) *Deduped {
	if key == "" {
		return nil
	}
	for i := range c.Dedupe {
		if c.Dedupe[i].Key == key {
			return &c.Dedupe[i]
		}
	}
	return nil
}

func (c *conv) apply(ctx workflow.Context, r SendRequest) SendResult {
	if r.ControlType != ControlInput {
		c.LastActivity = workflow.Now(ctx)
	}
	switch r.ControlType {
	case ControlConnect:
		return c.connect(ctx, r)
	case ControlChat:
		m := c.record(ctx, c.fromCustomer(r))
		if c.Phase == PhaseRobot {
			c.RobotQueue = append(c.RobotQueue, r.Content)
			return SendResult{CodeOK, DescRobotChat}
		}
		c.tellAgent(ctx, c.Agent.AgentID, agentdesk.Event{Type: agentdesk.EventMessage, Message: deskMessage(m)})
		return SendResult{CodeOK, DescUserMessage}
	case ControlInput:
		// Typing is shown to the agent live and never stored.
		c.tellAgent(ctx, c.Agent.AgentID, agentdesk.Event{Type: agentdesk.EventTyping})
		return SendResult{CodeOK, DescUserMessage}
	case ControlTrans2Agent:
		if c.Phase == PhaseQueued {
			return SendResult{CodeOK, DescTransferOK}
		}
		c.record(ctx, c.fromCustomer(r))
		if !c.agentsWorking(ctx) {
			c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textNoAgentHours))
			return SendResult{CodeNotWorkingHrs, DescNotWorkingHours}
		}
		c.enqueue(ctx)
		return SendResult{CodeOK, DescTransferOK}
	default: // DISCONNECT
		c.record(ctx, c.fromCustomer(r))
		desc := DescDisconnect
		if c.Phase == PhaseRobot {
			desc = DescDisconnectRobot
		}
		if c.Phase == PhaseSatisfaction {
			c.close(ctx, c.CloseReason)
		} else {
			c.end(ctx, "customer")
		}
		return SendResult{CodeOK, desc}
	}
}

// connect greets on the first CONNECT; a repeated CONNECT changes nothing,
// and a CONNECT after the close begins a new conversation.
func (c *conv) connect(ctx workflow.Context, r SendRequest) SendResult {
	if c.Phase == PhaseClosed {
		c.reopen(ctx)
	}
	if c.Greeted {
		if c.Phase == PhaseRobot {
			return SendResult{CodeOK, DescConnectRobot}
		}
		return SendResult{CodeOK, DescConnectAgent}
	}
	c.Greeted = true
	c.record(ctx, c.fromCustomer(r))
	if c.Channel.RobotEnabled {
		if c.Channel.RobotGreeting != "" {
			c.sayAs(ctx, SourceRobot, c.Channel.RobotNickname, c.Channel.RobotGreeting)
		}
		return SendResult{CodeOK, DescConnectRobot}
	}
	if !c.agentsWorking(ctx) {
		c.close(ctx, "outside-working-hours")
		return SendResult{CodeNotWorkingHrs, DescNotWorkingHours}
	}
	c.enqueue(ctx)
	return SendResult{CodeOK, DescConnectAgent}
}

func (c *conv) enqueue(ctx workflow.Context) {
	now := workflow.Now(ctx)
	c.QueuedAt = &now
	c.sayAs(ctx, SourceSystem, c.text(textSystemName), c.text(textQueued))
	c.setPhase(ctx, PhaseQueued)
	c.requestQueue()
}

func (c *conv) fromCustomer(r SendRequest) Message {
	return Message{
		SourceType: SourceCustomer, SenderID: c.Visitor.UserID, SenderNickname: r.SenderNickname,
		ControlType: r.ControlType, MediaType: r.MediaType, Content: r.Content,
	}
}

// agentsWorking asks the channel's schedule about now. The answer is recorded
// as a side effect: a schedule or time-zone change must not alter a replay.
func (c *conv) agentsWorking(ctx workflow.Context) bool {
	now := workflow.Now(ctx)
	schedule, tz := c.Channel.WorkingHours, c.Channel.TimeZone
	var open bool
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		// A schedule that cannot be read must not lock visitors out of agents.
		s, err := hours.Parse(schedule)
		if err != nil {
			return true
		}
		ok, err := s.OpenAt(now, tz)
		return ok || err != nil
	}).Get(&open)
	if err != nil {
		workflow.GetLogger(ctx).Error("working hours", "error", err)
		return true
	}
	return open
}
