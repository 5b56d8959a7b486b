package conversation

// text keys for what the workflow itself says to the visitor.
const (
	textSystemName   = "system-name"
	textQueued       = "queued"
	textConnected    = "connected"
	textRobotUnsure  = "robot-unsure"
	textRobotHandoff = "robot-handoff"
	textQueueTimeout = "queue-timeout"
	textRateAsk      = "rate-ask"
	textClosed       = "closed"
	textNoAgentHours = "no-agent-hours"
	textTransferring = "transferring"
	textRequeued     = "requeued"
)

// texts holds the workflow's own lines per locale; "zh" is the fallback.
// Looked up by key only (never ranged), so it is deterministic.
var texts = map[string]map[string]string{
	"zh": {
		textSystemName:   "系统",
		textQueued:       "正在为您转接人工座席，请稍候。",
		textConnected:    "已接通座席。",
		textRobotUnsure:  "抱歉，我还不太理解您的问题，您可以换个说法，或者输入“转人工”。",
		textRobotHandoff: "看来我帮不上忙，正在为您转接人工座席。",
		textQueueTimeout: "当前座席繁忙，暂时无法接通。您可以留言，我们会尽快联系您。",
		textRateAsk:      "请为本次服务评分（1-5 分）。",
		textClosed:       "会话已结束，感谢您的咨询。",
		textNoAgentHours: "当前非座席工作时间，机器人将继续为您服务。",
		textTransferring: "正在为您转接其他座席，请稍候。",
		textRequeued:     "座席已离开，正在为您重新排队。",
	},
	"en": {
		textSystemName:   "system",
		textQueued:       "Transferring you to an agent, please wait.",
		textConnected:    "Connected to an agent.",
		textRobotUnsure:  "Sorry, I did not understand. Please rephrase, or type \"agent\" to talk to a person.",
		textRobotHandoff: "I can't help with this one, so I'm transferring you to an agent.",
		textQueueTimeout: "All agents are busy right now. Please leave a message and we will get back to you.",
		textRateAsk:      "Please rate this conversation from 1 to 5.",
		textClosed:       "The conversation has ended. Thank you.",
		textNoAgentHours: "Agents are not working now; the robot keeps serving you.",
		textTransferring: "Transferring you to another agent, please wait.",
		textRequeued:     "Your agent has left; you are back in the queue.",
	},
}

// say returns the line for key in the channel's locale.
func (c *conv) text(key string) string { return Text(c.Channel.Locale, key) }

// Lines the API writes itself when it opens a conversation without waiting
// for the workflow: the conversation's first notices.
const (
	TextSystemName   = textSystemName
	TextQueued       = textQueued
	TextClosed       = textClosed
	TextNoAgentHours = textNoAgentHours
)

// Text returns a line of the workflow's in a locale ("zh" when it has none).
func Text(locale, key string) string {
	if t, ok := texts[locale][key]; ok {
		return t
	}
	return texts["zh"][key]
}
