package faq

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A Chinese question gets the Chinese answer when the tenant has one, even
// if an English entry shares its keyword; an entry in another language
// answers only when none in the conversation's language does (issue 11).
func TestAnswerInTheConversationsLocale(t *testing.T) {
	en := Entry{ID: 1, Question: "How do I get an invoice?", Answer: "Invoices are emailed.", Keywords: []string{"invoice", "发票", "receipt"}}
	zh := Entry{ID: 2, Question: "怎么开发票？", Answer: "发票在签收后发送到邮箱。", Keywords: []string{"发票", "开票"}}
	ship := Entry{ID: 3, Question: "How long does shipping take?", Answer: "48 hours.", Keywords: []string{"shipping", "发货"}}
	ix := NewIndex([]Entry{en, zh, ship})

	require.Equal(t, "发票在签收后发送到邮箱。", ix.AnswerIn("发票", "zh").Entry.Answer)
	require.Equal(t, "Invoices are emailed.", ix.AnswerIn("invoice", "en").Entry.Answer)
	got := ix.AnswerIn("发票怎么开", "zh")
	require.True(t, got.Matched)
	require.Equal(t, "发票在签收后发送到邮箱。", got.Entry.Answer)
	require.NotContains(t, got.Similar, "怎么开发票？", "the answer is not offered again as a similar question")
	require.Equal(t, "Invoices are emailed.", ix.AnswerIn("How do I get an invoice?", "zh").Entry.Answer,
		"no zh entry matches an English question: the English one answers")

	fallback := ix.AnswerIn("发货", "zh")
	require.True(t, fallback.Matched, "no zh entry about shipping: the English one answers")
	require.Equal(t, "48 hours.", fallback.Entry.Answer)
	require.Equal(t, "zh", EntryLocale(zh))
	require.Equal(t, "en", EntryLocale(en))
}
