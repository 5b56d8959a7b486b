package faq

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

var demo struct {
	once sync.Once
	rows []models.FAQEntry
	err  error
}

// demoRows runs the real seed once and keeps its FAQ rows, so these tests
// follow models/seed.go rather than a copy of it (seeding hashes the demo
// agents' passwords with bcrypt, too slow under -race to repeat per test).
func demoRows(t *testing.T) []models.FAQEntry {
	t.Helper()
	demo.once.Do(func() {
		db := modelstest.SQLiteDB(t)
		if _, demo.err = models.SeedDemo(context.Background(), db); demo.err != nil {
			return
		}
		demo.err = db.Where("tenant_id = ?", models.DemoTenantID).Order("id").Find(&demo.rows).Error
	})
	require.NoError(t, demo.err)
	require.NotEmpty(t, demo.rows)
	return slices.Clone(demo.rows)
}

// demoEntries converts the demo rows the way the Library does.
func demoEntries(t *testing.T) []Entry {
	t.Helper()
	rows := demoRows(t)
	entries := make([]Entry, len(rows))
	for i, r := range rows {
		entries[i] = entryFromRow(r)
	}
	return entries
}

// entryWithQuestion finds a demo entry by its exact question, failing the
// test if the demo data no longer has it.
func entryWithQuestion(t *testing.T, entries []Entry, question string) Entry {
	t.Helper()
	for _, e := range entries {
		if e.Question == question {
			return e
		}
	}
	require.Failf(t, "demo FAQ changed", "no entry %q", question)
	return Entry{}
}

func TestAnswerMatchesDemoQuestions(t *testing.T) {
	entries := demoEntries(t)
	ix := NewIndex(entries)
	cases := []struct {
		text, want string
	}{
		{"版本", "版本"},
		{"版本是多少", "版本"},
		{"版本是多少？", "版本"},
		{"当前是什么版本", "版本"},
		{"what version", "版本"},
		{"What version is this?", "版本"},
		{"ccflow version", "版本"},
		{"网格如何划分", "网格如何划分"},
		{"网格怎么划分", "网格如何划分"},
		{"网格员是做什么的", "网格员职责是什么"},
		{"网格版app怎么下载", "网格版APP在哪里下载"},
		{"怎么登录", "网格版APP怎么登录?"},
		{"手机版本", "网格版APP支持什么手机版本"},
		{"How long does shipping take?", "How long does shipping take?"},
		{"how long until my order ships", "How long does shipping take?"},
		{"When will my order be shipped", "How long does shipping take?"},
		{"delivery", "How long does shipping take?"},
		{"多久发货", "多久发货？"},
		{"什么时候发货", "多久发货？"},
		{"怎么退货", "如何退货？"},
		{"我要退款", "如何退货？"},
		{"I need a receipt", "How do I get an invoice?"},
		{"查询订单", "怎么查询订单？"},
		{"可以用支付宝吗", "有哪些支付方式？"},
		{"怎么改收货地址", "如何修改收货地址？"},
		{"where is my order", "Where is my order?"},
		{"how do I track my order", "Where is my order?"},
		{"I want to return this item", "How do I return an item?"},
		{"can I pay with Alipay", "Which payment methods do you accept?"},
		{"when are you open", "What are your opening hours?"},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			want := entryWithQuestion(t, entries, c.want)
			res := ix.Answer(c.text)
			require.True(t, res.Matched, "score %.3f", res.Score)
			require.Equal(t, want, res.Entry)
			require.GreaterOrEqual(t, res.Score, MatchThreshold)
			require.NotContains(t, res.Similar, want.Question, "the answer is not also a similar question")
		})
	}
}

func TestAnswerExactMatchScoresOne(t *testing.T) {
	entries := demoEntries(t)
	ix := NewIndex(entries)
	for _, text := range []string{"版本", "网格如何划分", "多久发货?", "多久发货？", "how long does shipping take", "ＨＯＷ ＬＯＮＧ does shipping take?"} {
		res := ix.Answer(text)
		require.True(t, res.Matched, text)
		require.InDelta(t, 1.0, res.Score, 1e-9, text)
	}
}

func TestAnswerRejectsUnrelatedQuestions(t *testing.T) {
	ix := NewIndex(demoEntries(t))
	for _, text := range []string{"asdf qwer", "今天天气怎么样", "你好", "hello", "how are you", "what is your name",
		"我想投诉", "多少钱", "1234", "", "？？？"} {
		t.Run(text, func(t *testing.T) {
			res := ix.Answer(text)
			require.False(t, res.Matched, "score %.3f", res.Score)
			require.Zero(t, res.Entry)
			require.Less(t, res.Score, MatchThreshold)
			require.Empty(t, res.Similar, "nothing here is even close")
		})
	}
}

func TestAnswerAmbiguousOffersSimilarQuestions(t *testing.T) {
	entries := demoEntries(t)
	ix := NewIndex(entries)
	// 网格 is a keyword of five entries: the robot must not pick one at random.
	res := ix.Answer("网格")
	require.False(t, res.Matched, "score %.3f", res.Score)
	require.Len(t, res.Similar, MaxSimilar)
	for _, q := range res.Similar {
		require.True(t, strings.HasPrefix(q, "网格"), q)
	}
	require.Equal(t, "网格如何划分", res.Similar[0], "the shortest 网格 question resembles it most")
}

func TestAnswerSimilarExcludesMatchAndIsRanked(t *testing.T) {
	ix := NewIndex(demoEntries(t))
	res := ix.Answer("版本")
	require.True(t, res.Matched)
	require.Equal(t, []string{"网格版APP支持什么手机版本"}, res.Similar)

	res = ix.Answer("网格版app怎么下载")
	require.True(t, res.Matched)
	require.Equal(t, []string{"网格版APP怎么登录?", "网格版APP支持什么手机版本"}, res.Similar[:2])
}

func TestAnswerKeywordsMatchWholeEnglishWords(t *testing.T) {
	ix := NewIndex([]Entry{{ID: 1, Question: "Do you ship abroad?", Answer: "yes", Keywords: []string{"ship"}}})
	require.False(t, ix.Answer("relationship advice").Matched)
	require.True(t, ix.Answer("SHIPPING").Matched)
}

func TestAnswerMultiWordKeywordNeedsEveryWord(t *testing.T) {
	ix := NewIndex([]Entry{
		{ID: 1, Question: "营业时间", Answer: "9-18", Keywords: []string{"opening hours"}},
		{ID: 2, Question: "门店地址", Answer: "somewhere", Keywords: []string{"store"}},
	})
	require.True(t, ix.Answer("your opening hours please").Matched)
	res := ix.Answer("opening a store account")
	require.True(t, res.Matched)
	require.EqualValues(t, 2, res.Entry.ID, "open alone is not the keyword opening hours")
	require.NotContains(t, res.Similar, "营业时间")
}

func TestAnswerEdgeCases(t *testing.T) {
	require.Equal(t, Result{}, NewIndex(nil).Answer("版本"))

	// The first of two equal entries wins, and the same question is never
	// offered twice.
	ix := NewIndex([]Entry{
		{ID: 1, Question: "如何退货", Answer: "a"},
		{ID: 2, Question: "如何退货", Answer: "b"},
		{ID: 3, Question: "如何退货", Answer: "c"},
	})
	res := ix.Answer("如何退货")
	require.True(t, res.Matched)
	require.EqualValues(t, 1, res.Entry.ID)
	require.Empty(t, res.Similar)

	// The index keeps its own copy of the keywords.
	keywords := []string{"退货"}
	ix = NewIndex([]Entry{{ID: 1, Question: "q", Answer: "a", Keywords: keywords}})
	keywords[0] = "changed"
	res = ix.Answer("我要退货")
	require.True(t, res.Matched)
	res.Entry.Keywords[0] = "changed again"
	require.Equal(t, []string{"退货"}, ix.Answer("我要退货").Entry.Keywords)
}

func TestSuggest(t *testing.T) {
	entries := demoEntries(t)
	ix := NewIndex(entries)
	var grid []string
	for _, e := range entries {
		if strings.HasPrefix(e.Question, "网格") {
			grid = append(grid, e.Question)
		}
	}
	require.Greater(t, len(grid), DefaultSuggestLimit, "the demo has more 网格 questions than one page")

	// Spec 003 §10's example.
	require.Equal(t, grid[:DefaultSuggestLimit], ix.Suggest("网格", 0))
	require.Equal(t, grid[:2], ix.Suggest("网格", 2))
	require.Equal(t, grid, ix.Suggest("网格", 100)[:len(grid)])

	// English prefixes fold case and width.
	how := []string{"How long does shipping take?", "How do I get an invoice?", "How do I return an item?"}
	require.Equal(t, how, ix.Suggest("how", 5))
	require.Equal(t, how, ix.Suggest("HOW", 5))
	require.Equal(t, how, ix.Suggest("ｈｏｗ", 5))
	require.Equal(t, how[:1], ix.Suggest("How long", 5))
	require.Equal(t, how[:1], ix.Suggest("how  long", 5), "runs of spaces fold")

	// Prefix matches come before questions that merely contain the keyword.
	require.Equal(t, []string{"版本", "网格版APP在哪里下载", "网格版APP怎么登录?", "网格版APP支持什么手机版本"}, ix.Suggest("版", 4))

	// Then similar questions, when nothing contains the text.
	require.Equal(t, []string{"How long does shipping take?"}, ix.Suggest("shipping time", 5))
	require.Equal(t, []string{"多久发货？"}, ix.Suggest("什么时候发货", 5))

	require.Nil(t, ix.Suggest("", 5))
	require.Nil(t, ix.Suggest("   ", 5))
	require.Empty(t, ix.Suggest("asdf", 5))
}

func TestSuggestDeduplicates(t *testing.T) {
	ix := NewIndex([]Entry{
		{ID: 1, Question: "网格如何划分"},
		{ID: 2, Question: "网格如何划分"},
		{ID: 3, Question: "如何划分网格"},
	})
	require.Equal(t, []string{"网格如何划分", "如何划分网格"}, ix.Suggest("网格", 5))
}
