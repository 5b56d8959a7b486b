package conversation

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// robot answers the visitor's questions in order, in the background, so a
// send is acknowledged at once and a slow robot never holds up the chat.
func (c *conv) robot(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var robot *activities.Robot
	for {
		if err := workflow.Await(ctx, func() bool { return len(c.RobotQueue) > 0 }); err != nil {
			return
		}
		question := c.RobotQueue[0]
		var ans activities.RobotAnswer
		err := workflow.ExecuteActivity(ctx, robot.Answer, activities.RobotQuestion{
			TenantID: c.Channel.TenantID, Text: question, Locale: c.Channel.Locale,
		}).Get(ctx, &ans)
		c.RobotQueue = c.RobotQueue[1:]
		if err != nil {
			workflow.GetLogger(ctx).Warn("robot unavailable", "error", err)
		}
		if c.Phase != PhaseRobot {
			// The visitor was transferred while the robot was thinking.
			continue
		}
		c.answer(ctx, ans)
	}
}

// answer says the robot's answer, or admits it has none; after too many
// misses in a row the robot hands over to an agent when agents are working.
func (c *conv) answer(ctx workflow.Context, ans activities.RobotAnswer) {
	c.RobotTurns++
	if ans.Matched {
		c.RobotMisses = 0
		c.robotSays(ctx, ans.Answer, ans.SimQuestions)
		return
	}
	c.RobotMisses++
	if c.Channel.RobotMaxMisses > 0 && c.RobotMisses >= c.Channel.RobotMaxMisses && c.agentsWorking(ctx) {
		c.robotSays(ctx, c.text(textRobotHandoff), nil)
		c.enqueue(ctx)
		return
	}
	c.robotSays(ctx, c.text(textRobotUnsure), ans.SimQuestions)
}

func (c *conv) robotSays(ctx workflow.Context, text string, similar []string) {
	c.record(ctx, Message{
		Downlink: true, SourceType: SourceRobot, SenderID: c.Channel.ID, SenderNickname: c.Channel.RobotNickname,
		ControlType: ControlChat, MediaType: "TEXT", Content: text, SimQuestions: similar, InterIdx: c.RobotTurns,
	})
}
