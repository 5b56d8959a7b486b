package faq

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"punctuation only", "？！…, ...", nil},
		{"one han character", "版", []string{"版"}},
		{"han unigrams and bigrams", "版本号", []string{"版", "版本", "本", "本号", "号"}},
		{"repeated tokens once", "版本版本", []string{"版", "版本", "本", "本版"}},
		{"punctuation splits runs", "发货？退货", []string{"发", "发货", "货", "退", "退货"}},
		{"mixed han and latin", "网格版APP下载", []string{"网", "网格", "格", "格版", "版", "app", "下", "下载", "载"}},
		{"kana and hangul", "カート 배송", []string{"カ", "カー", "ー", "ート", "ト", "배", "배송", "송"}},
		{"english stop words and folding", "How long does shipping take?", []string{"long", "ship", "tak"}},
		{"plural and -ed meet the stem", "ships shipped shipping", []string{"ship"}},
		{"-ies", "deliveries delivery", []string{"delivery"}},
		{"-es after a sibilant", "boxes box", []string{"box"}},
		{"ss and us endings kept", "address status", []string{"address", "status"}},
		{"final e", "invoice invoiced invoices", []string{"invoic"}},
		{"doubled consonant kept for l", "calling call", []string{"call"}},
		{"short words untouched", "bus ids", []string{"bus", "ids"}},
		{"possessive and apostrophe", "the shop's hours don't", []string{"shop", "hour", "dont"}},
		{"full-width latin and digits", "ＡＰＰ　１２３", []string{"app", "123"}},
		{"case folding", "VERSION Version version", []string{"version"}},
		{"digits split on punctuation", "ccflow 1.0", []string{"ccflow", "1", "0"}},
		{"non-english words are not folded", "größes", []string{"größes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, Tokenize(c.text))
		})
	}
}

func TestAnalyzeCanon(t *testing.T) {
	// The exact-match form ignores punctuation, width, case and spacing only.
	require.Equal(t, analyze("多久发货？").canon, analyze("多久发货?").canon)
	require.Equal(t, analyze("How long does shipping take?").canon, analyze("  how LONG does shipping take ").canon)
	require.Equal(t, analyze("网格版APP在哪里下载").canon, analyze("网格版 ＡＰＰ 在哪里下载").canon)
	require.NotEqual(t, analyze("How long does shipping take?").canon, analyze("How long does ship take?").canon,
		"exact means the same words, not the same stems")
}
