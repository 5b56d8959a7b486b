package conversation

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// validateCommand refuses, without touching history, a command the
// conversation cannot take in its phase.
func (c *conv) validateCommand(_ workflow.Context, r CommandRequest) error {
	if !c.loaded || c.remembered(r.DedupeKey) != nil {
		return nil
	}
	switch r.ControlType {
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
		return refuse(CodeFailed, "unknown command "+string(r.ControlType))
	}
	return nil
}

// onCommand applies the visitor's TRANS2AGENT or DISCONNECT and answers with
// the spec's result.
func (c *conv) onCommand(ctx workflow.Context, r CommandRequest) (SendResult, error) {
	return underLock(ctx, c, func() (SendResult, error) {
		if d := c.remembered(r.DedupeKey); d != nil {
			return d.Result, nil
		}
		// The phase may have moved while the command waited for the lock.
		if err := c.validateCommand(ctx, r); err != nil {
			if res, ok := AsRefusal(err); ok {
				return res, nil
			}
			return SendResult{}, err
		}
		var res SendResult
		var err error
		if r.ControlType == ControlTrans2Agent {
			res, err = c.transfer(ctx)
		} else {
			res, err = c.disconnect(ctx)
		}
		if err != nil {
			return SendResult{}, err
		}
		c.remember(r.DedupeKey, res)
		return res, nil
	})
}

func (c *conv) transfer(ctx workflow.Context) (SendResult, error) {
	if c.Phase == PhaseQueued {
		return SendResult{CodeOK, DescTransferOK}, nil
	}
	if !c.agentsWorking(ctx) {
		_, err := c.change(ctx, activities.Transition{Messages: []activities.LogMessage{c.notice(textNoAgentHours)}})
		return SendResult{CodeNotWorkingHrs, DescNotWorkingHours}, err
	}
	return SendResult{CodeOK, DescTransferOK}, c.enqueue(ctx, nil)
}

func (c *conv) disconnect(ctx workflow.Context) (SendResult, error) {
	desc := DescDisconnect
	if c.Phase == PhaseRobot {
		desc = DescDisconnectRobot
	}
	var err error
	if c.Phase == PhaseSatisfaction {
		err = c.close(ctx, c.CloseReason, nil)
	} else {
		err = c.end(ctx, "customer", nil)
	}
	return SendResult{CodeOK, desc}, err
}

// remember keeps a command's answer for its dedupe key, in a bounded window.
func (c *conv) remember(key string, res SendResult) {
	if key == "" {
		return
	}
	c.Dedupe = append(c.Dedupe, Deduped{Key: key, Result: res})
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

// onRated closes a conversation that was waiting for the rating the API stored.
func (c *conv) onRated(ctx workflow.Context) error {
	c.Rated = true
	if c.Phase != PhaseSatisfaction {
		return nil
	}
	return c.close(ctx, c.CloseReason, nil)
}
