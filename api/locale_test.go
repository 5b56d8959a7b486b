package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A conversation speaks the token's language when ccflow speaks it (issue
// 11: an English page on a zh channel got Chinese notices), else the channel's.
func TestConversationLocaleIsDecidedOnce(t *testing.T) {
	for token, want := range map[string]string{"en": "en", "en-US": "en", "EN_us": "en", "zh": "zh", "zh-CN": "zh", "": "zh", "fr": "zh"} {
		require.Equal(t, want, conversationLocale(token, "zh"), token)
	}
	require.Equal(t, "en", conversationLocale("", "en"))
}
