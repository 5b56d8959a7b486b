// Package faq matches a visitor's question against a tenant's FAQ entries, in
// Chinese and in English, and suggests questions while the visitor types.
package faq

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Matching constants, tuned on the demo FAQ (models/seed.go); index_test.go
// holds the questions that pin them.
const (
	// MatchThreshold is the score an entry needs for the robot to answer with
	// it. A keyword unique to an entry alone scores KeywordWeight (0.6), and
	// on the demo FAQ the weakest paraphrase worth answering ("当前是什么版本"
	// for 版本) scores 0.55. Below it sit a keyword shared by several entries
	// plus a loose likeness ("网格" alone: 0.41 for five entries alike) and
	// chit-chat sharing a common word ("怎么样": 0.35), which get the similar
	// questions to choose from instead of a guess.
	MatchThreshold = 0.45
	// SimilarThreshold is the score an entry needs to be offered as a
	// similar question; below it the overlap is a stray character or two
	// (怎么 of "今天天气怎么样" meeting "网格版APP怎么登录?" scores 0.2).
	SimilarThreshold = 0.25
	// KeywordWeight is what a hit on keywords unique to an entry is worth on
	// its own. Keywords are chosen by the tenant's operators for exactly this
	// purpose, so they weigh more than any accidental textual likeness.
	KeywordWeight = 0.6
	// MaxSimilar is how many similar questions a Result carries.
	MaxSimilar = 5
	// DefaultSuggestLimit is Suggest's limit when the caller gives none.
	DefaultSuggestLimit = 5
)

// Entry is one FAQ question with its answer, as the matcher sees it.
type Entry struct {
	ID       uint64
	Question string
	Answer   string
	Keywords []string
}

// Result is the matcher's verdict on one visitor question.
type Result struct {
	// Matched is true when the best entry scored at least MatchThreshold.
	Matched bool
	// Entry is the best entry; zero unless Matched, so that an unmatched
	// question can never be answered by accident.
	Entry Entry
	// Score is the best entry's score in [0, 1], matched or not, for logs and tuning.
	Score float64
	// Similar holds up to MaxSimilar other entries' questions scoring at
	// least SimilarThreshold, best first: spec 003's simQuestions.
	Similar []string
}

// Index matches questions against a fixed set of entries. It is immutable
// once built, so any number of goroutines may use it at once.
type Index struct {
	docs       []doc
	idf        map[string]float64
	unknownIDF float64
	// keywordDF counts the entries carrying each keyword.
	keywordDF map[string]int
}

type doc struct {
	entry    Entry
	canon    string
	folded   string // normalised question, for Suggest's prefix and substring tests
	weights  map[string]float64
	length   float64
	keywords []keyword
}

// keyword is an entry keyword prepared for matching: its CJK runs must occur
// in the question's CJK text and its words among the question's words.
type keyword struct {
	key   string
	cjk   []string
	words []string
}

// NewIndex prepares entries for matching; entries keep their order, which
// breaks ties (so the tenant's first-listed entry wins an even match).
func NewIndex(entries []Entry) *Index {
	ix := &Index{idf: map[string]float64{}, keywordDF: map[string]int{}}
	df := map[string]int{}
	analyses := make([]analysis, len(entries))
	for i, e := range entries {
		e.Keywords = slices.Clone(e.Keywords)
		a := analyze(e.Question)
		analyses[i] = a
		for _, t := range a.tokens {
			df[t]++
		}
		d := doc{entry: e, canon: a.canon, folded: foldForSuggest(e.Question)}
		seen := map[string]bool{}
		for _, k := range e.Keywords {
			kw, ok := prepareKeyword(k)
			if !ok || seen[kw.key] {
				continue
			}
			seen[kw.key] = true
			d.keywords = append(d.keywords, kw)
			ix.keywordDF[kw.key]++
		}
		ix.docs = append(ix.docs, d)
	}
	// Smoothed IDF over the tenant's own questions: a character that is in
	// every question (网 in a FAQ about 网格) says little, one that is in a
	// single question says a lot. A token in no question gets the highest
	// weight so that a question mostly about something else scores low.
	n := float64(len(entries))
	for t, c := range df {
		ix.idf[t] = math.Log(1 + (n+1)/(float64(c)+1))
	}
	ix.unknownIDF = math.Log(1 + (n + 1))
	for i := range ix.docs {
		d := &ix.docs[i]
		d.weights = map[string]float64{}
		var sum float64
		for _, t := range analyses[i].tokens {
			w := ix.idf[t]
			d.weights[t] = w
			sum += w * w
		}
		d.length = math.Sqrt(sum)
	}
	return ix
}

func prepareKeyword(k string) (keyword, bool) {
	a := analyze(k)
	kw := keyword{cjk: a.cjk}
	for _, t := range a.tokens {
		if _, ok := a.words[t]; ok {
			kw.words = append(kw.words, t)
		}
	}
	if len(kw.cjk) == 0 && len(kw.words) == 0 {
		return keyword{}, false
	}
	kw.key = strings.Join(kw.cjk, " ") + "|" + strings.Join(kw.words, " ")
	return kw, true
}

// hits reports whether the question contains the keyword: CJK parts as
// substrings (Chinese has no spaces to find word boundaries by), Latin parts
// as whole folded words.
func (k keyword) hits(q analysis, cjkText string) bool {
	for _, c := range k.cjk {
		if !strings.Contains(cjkText, c) {
			return false
		}
	}
	for _, w := range k.words {
		if _, ok := q.words[w]; !ok {
			return false
		}
	}
	return true
}

type scored struct {
	i     int
	score float64
}

// score rates every entry against the question.
//
// The textual part is the cosine between the question's and the entry's
// token sets, each token weighted by its IDF. Cosine rather than Jaccard on
// bigrams because visitors wrap a short FAQ question in extra words ("版本是
// 多少", "what version are you on"), and IDF weights let the rare, telling
// tokens carry the match while characters shared by half the FAQ do not.
//
// Keywords add to it: each hit is worth 1/(number of entries with that
// keyword), summed and capped at 1, so a keyword unique to an entry counts
// fully and one spread over five entries hardly decides between them. The two
// combine as 1-(1-KeywordWeight·kw)(1-cosine): either alone can carry a
// match, both together score higher than either, and the result stays in [0, 1].
func (ix *Index) score(q analysis) []scored {
	if len(q.tokens) == 0 {
		return nil
	}
	var qsum float64
	for _, t := range q.tokens {
		w, ok := ix.idf[t]
		if !ok {
			w = ix.unknownIDF
		}
		qsum += w * w
	}
	qlen := math.Sqrt(qsum)
	cjkText := strings.Join(q.cjk, "\x00")
	out := make([]scored, 0, len(ix.docs))
	for i, d := range ix.docs {
		if q.canon != "" && q.canon == d.canon {
			out = append(out, scored{i, 1})
			continue
		}
		var dot float64
		for _, t := range q.tokens {
			if w, ok := d.weights[t]; ok {
				dot += w * w
			}
		}
		var cos float64
		if dot > 0 {
			cos = dot / (qlen * d.length)
		}
		var kw float64
		for _, k := range d.keywords {
			if k.hits(q, cjkText) {
				kw += 1 / float64(ix.keywordDF[k.key])
			}
		}
		kw = math.Min(kw, 1)
		s := 1 - (1-KeywordWeight*kw)*(1-cos)
		if s > 0 {
			out = append(out, scored{i, s})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].score > out[b].score })
	return out
}

// Answer finds the entry that answers text, and similar questions.
func (ix *Index) Answer(text string) Result {
	ranked := ix.score(analyze(text))
	var res Result
	if len(ranked) == 0 {
		return res
	}
	res.Score = ranked[0].score
	seen := map[string]bool{}
	if ranked[0].score >= MatchThreshold {
		res.Matched = true
		res.Entry = ix.docs[ranked[0].i].entry
		res.Entry.Keywords = slices.Clone(res.Entry.Keywords)
		seen[res.Entry.Question] = true
		ranked = ranked[1:]
	}
	for _, s := range ranked {
		if len(res.Similar) == MaxSimilar || s.score < SimilarThreshold {
			break
		}
		if q := ix.docs[s.i].entry.Question; !seen[q] {
			seen[q] = true
			res.Similar = append(res.Similar, q)
		}
	}
	return res
}

// AnswerIn is Answer for a conversation in locale ("zh" or "en"): an entry
// is in the language its question is written in (Chinese when it has Han
// characters, English otherwise). When the best entry is in another language
// and an entry in the locale matches too, that one answers; an entry in
// another language answers only when none in the locale does, so a Chinese
// question about invoices gets the Chinese answer when the tenant has one.
func (ix *Index) AnswerIn(text, locale string) Result {
	res := ix.Answer(text)
	if !res.Matched || locale == "" || EntryLocale(res.Entry) == locale {
		return res
	}
	for _, s := range ix.score(analyze(text)) {
		if s.score < MatchThreshold {
			break
		}
		e := ix.docs[s.i].entry
		if EntryLocale(e) != locale {
			continue
		}
		res.Entry, res.Score = e, s.score
		res.Entry.Keywords = slices.Clone(e.Keywords)
		res.Similar = slices.DeleteFunc(res.Similar, func(q string) bool { return q == e.Question })
		return res
	}
	return res
}

// EntryLocale is the language an entry is written in: "zh" when its
// question has Han characters, "en" otherwise.
func EntryLocale(e Entry) string {
	for _, r := range e.Question {
		if unicode.Is(unicode.Han, r) {
			return "zh"
		}
	}
	return "en"
}

// Suggest lists questions for a visitor who has typed keyword so far (spec
// 003 §10): questions starting with it first, then questions containing it,
// then questions similar to it, without duplicates and at most limit of them
// (DefaultSuggestLimit when limit <= 0).
func (ix *Index) Suggest(keyword string, limit int) []string {
	if limit <= 0 {
		limit = DefaultSuggestLimit
	}
	k := foldForSuggest(keyword)
	if k == "" {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(q string) bool {
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
		return len(out) == limit
	}
	for _, d := range ix.docs {
		if strings.HasPrefix(d.folded, k) && add(d.entry.Question) {
			return out
		}
	}
	for _, d := range ix.docs {
		if strings.Contains(d.folded, k) && add(d.entry.Question) {
			return out
		}
	}
	for _, s := range ix.score(analyze(keyword)) {
		if s.score < SimilarThreshold {
			break
		}
		if add(ix.docs[s.i].entry.Question) {
			return out
		}
	}
	return out
}

// foldForSuggest normalises width, case and spacing but keeps punctuation,
// since a visitor types the question as it reads.
func foldForSuggest(s string) string {
	return strings.Join(strings.Fields(normalize(s)), " ")
}
