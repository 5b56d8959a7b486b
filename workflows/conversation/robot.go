package conversation

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// robotLoop answers the visitor's questions in order, in the background, so
// a send is acknowledged at once and a slow robot never holds up the chat.
// The questions are in the log; signals only say how far they go.
func (c *conv) robotLoop(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool {
			c.drainQuestions()
			return c.RobotAsked > c.RobotAnswered
		}); err != nil {
			return
		}
		c.locked(ctx, func() error { return c.robotTurn(ctx) })
	}
}

// drainQuestions takes the question signals that arrived into the state.
func (c *conv) drainQuestions() {
	var q RobotQuestion
	for c.robot.ReceiveAsync(&q) {
		c.RobotAsked = max(c.RobotAsked, q.Seq)
	}
}

// robotTurn answers the next question, or admits it has none; after too
// many misses in a row the robot hands over to an agent when agents work.
func (c *conv) robotTurn(ctx workflow.Context) error {
	if c.Phase != PhaseRobot {
		// The visitor was transferred: questions left are the agent's to read.
		c.RobotAnswered = c.RobotAsked
		return nil
	}
	handOff := c.Channel.RobotMaxMisses > 0 && c.RobotMisses+1 >= c.Channel.RobotMaxMisses && c.agentsWorking(ctx)
	var a *activities.Conversations
	var reply activities.RobotReply
	err := workflow.ExecuteLocalActivity(localOptions(ctx), a.Robot, activities.RobotTurn{
		ConversationID: c.ConversationID, TenantID: c.Channel.TenantID, ChannelID: c.Channel.ID,
		RobotName: c.Channel.RobotNickname, AfterSeq: c.RobotAnswered, Turn: c.RobotTurns + 1,
		HandOff: handOff, Unsure: c.text(textRobotUnsure), Locale: c.Channel.Locale,
	}).Get(ctx, &reply)
	if err != nil {
		return err
	}
	if reply.QuestionSeq == 0 {
		c.RobotAnswered = c.RobotAsked
		return nil
	}
	c.RobotAnswered = reply.QuestionSeq
	c.RobotTurns++
	c.LastActivity = workflow.Now(ctx)
	if reply.Matched {
		c.RobotMisses = 0
		return nil
	}
	c.RobotMisses++
	if !reply.HandedOff {
		return nil
	}
	return c.enqueue(ctx, []activities.LogMessage{{
		ToVisitor: true, SenderType: string(SourceRobot), SenderID: c.Channel.ID, SenderNickname: c.Channel.RobotNickname,
		ControlType: string(ControlChat), MediaType: "TEXT", Content: c.text(textRobotHandoff),
	}})
}
