package chat

import (
	"strings"
	"unicode"
)

// transferPhrases are what visitors type to reach a person; the robot's own
// "did not understand" line tells them to type 转人工. Only a whole message
// counts (after case, spaces and punctuation), so "客服电话是多少" is still a
// question for the robot.
var transferPhrases = map[string]bool{
	"转人工": true, "人工": true, "人工客服": true, "人工服务": true, "转人工客服": true, "找人工": true, "客服": true,
	"human": true, "agent": true, "an agent": true, "a human": true, "human agent": true, "live agent": true,
	"talk to a human": true, "talk to an agent": true, "speak to an agent": true,
}

// TransferIntent tells whether a visitor's line to the robot asks for a
// person, and so is a TRANS2AGENT.
func TransferIntent(content string) bool {
	cleaned := strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, content)
	return transferPhrases[strings.Join(strings.Fields(cleaned), " ")]
}
