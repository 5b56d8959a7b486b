package conversation

import (
	"errors"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows/internal/wait"
)

func (c *conv) validatePoll(_ workflow.Context, r PollRequest) error {
	if r.HasCursor && r.Cursor < 0 {
		return errors.New("cursor must not be negative")
	}
	if r.Wait < 0 || r.Wait > maxPollWait {
		return errors.New("wait out of range")
	}
	return nil
}

// onPoll hands out downlink messages. A cursor-less poll moves the delivery
// mark, so each message reaches such a client once; a poll with a cursor
// returns what follows it and moves the mark no further than the cursor.
func (c *conv) onPoll(ctx workflow.Context, r PollRequest) (PollResult, error) {
	c.runUpdates++
	after := c.DeliveredSeq
	if r.HasCursor {
		after = r.Cursor
		c.DeliveredSeq = max(c.DeliveredSeq, r.Cursor)
	}
	if r.Wait > 0 && c.lastDownlink() <= after {
		if _, err := wait.Until(ctx, workflow.Now(ctx).Add(r.Wait), func() bool { return c.lastDownlink() > after }); err != nil {
			return PollResult{}, err
		}
	}
	msgs, _ := c.messagesAfter(MessagesQuery{AfterSeq: after})
	cursor := after
	if len(msgs) > 0 {
		cursor = msgs[len(msgs)-1].Seq
	}
	if !r.HasCursor {
		c.DeliveredSeq = max(c.DeliveredSeq, cursor)
	}
	c.trimMessages()
	return PollResult{Messages: msgs, Cursor: cursor}, nil
}
