package call

import "fmt"

// The lines a call writes into its conversation, per locale ("zh" the
// fallback); looked up by key only, so deterministic.
const (
	textSystemName = "system-name"
	textConnected  = "connected"
	textEnded      = "ended"
	textMissed     = "missed"
)

var texts = map[string]map[string]string{
	"zh": {
		textSystemName: "系统",
		textConnected:  "通话已接通。",
		textEnded:      "通话已结束，通话时长 %s。",
		textMissed:     "通话未接通：%s。",
	},
	"en": {
		textSystemName: "system",
		textConnected:  "The call is connected.",
		textEnded:      "The call has ended after %s.",
		textMissed:     "The call was not connected: %s.",
	},
}

// causeTexts are the causes of a missed call in Chinese; English uses Cause.Desc.
var causeTexts = map[string]string{
	CauseCustomerCancel.ID:   "您取消了通话",
	CauseAgentRejected.ID:    "座席拒绝了通话",
	CauseNoAnswer.ID:         "座席未应答",
	CauseAgentLeft.ID:        "座席已离开",
	CauseConversationOver.ID: "会话已结束",
	CauseQueueTimeout.ID:     "暂无空闲座席",
}

func text(locale, key string) string {
	if t, ok := texts[locale][key]; ok {
		return t
	}
	return texts["zh"][key]
}

// missedText is the line of a call that never connected.
func missedText(locale string, c Cause) string {
	reason := c.Desc
	if locale != "en" {
		if t, ok := causeTexts[c.ID]; ok {
			reason = t
		}
	}
	return fmt.Sprintf(text(locale, textMissed), reason)
}

// endedText is the line of a connected call's end, with its duration as m:ss.
func endedText(locale string, seconds int64) string {
	return fmt.Sprintf(text(locale, textEnded), fmt.Sprintf("%d:%02d", seconds/60, seconds%60))
}
