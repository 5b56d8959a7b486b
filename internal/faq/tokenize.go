package faq

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// analysis is a text broken down the ways the matcher compares it.
type analysis struct {
	// tokens are distinct, in order of first appearance: CJK unigrams and
	// bigrams and folded Latin words.
	tokens []string
	// cjk are the CJK runs, which keywords are looked up in: Chinese has no
	// word boundaries, so a keyword matches as a substring of a run.
	cjk []string
	// words are the folded Latin/digit words (stop words dropped), which
	// keywords match whole, so "ship" does not hit "relationship".
	words map[string]struct{}
	// canon is the text without punctuation, case or width differences, for
	// exact matching: "多久发货?" and "多久发货？" are the same question.
	canon string
}

// normalize folds width (full-width Latin and digits to ASCII, half-width
// katakana to full) and case, so that the way a visitor's keyboard happens to
// be set never changes what matches.
func normalize(s string) string {
	return strings.ToLower(width.Fold.String(s))
}

// Tokenize returns the distinct tokens the matcher compares, in order of first
// appearance; it is exported so that tools and tests can see why a question matched.
func Tokenize(text string) []string {
	return analyze(text).tokens
}

func analyze(text string) analysis {
	runes := []rune(normalize(text))
	a := analysis{words: map[string]struct{}{}}
	seen := map[string]struct{}{}
	add := func(tok string) {
		if _, ok := seen[tok]; !ok {
			seen[tok] = struct{}{}
			a.tokens = append(a.tokens, tok)
		}
	}
	var canon []string
	for i := 0; i < len(runes); {
		switch r := runes[i]; {
		case isCJK(r):
			j := i
			for j < len(runes) && isCJK(runes[j]) {
				j++
			}
			run := runes[i:j]
			// Unigrams let a one-character question still meet its entry;
			// bigrams carry most of the meaning of Chinese words, which are
			// mostly two characters long, without needing a dictionary.
			for k := range run {
				add(string(run[k]))
				if k+1 < len(run) {
					add(string(run[k : k+2]))
				}
			}
			a.cjk = append(a.cjk, string(run))
			canon = append(canon, string(run))
			i = j
		case isWordRune(r):
			var b strings.Builder
			j := i
			for j < len(runes) && (isWordRune(runes[j]) || isApostrophe(runes[j])) {
				// A possessive "'s" goes, so "hours's" does not become "hourss".
				if isApostrophe(runes[j]) && j+1 < len(runes) && runes[j+1] == 's' &&
					(j+2 == len(runes) || !isWordRune(runes[j+2])) {
					j += 2
					break
				}
				if !isApostrophe(runes[j]) {
					b.WriteRune(runes[j])
				}
				j++
			}
			raw := b.String()
			canon = append(canon, raw)
			if w, ok := foldWord(raw); ok {
				add(w)
				a.words[w] = struct{}{}
			}
			i = j
		default:
			i++
		}
	}
	a.canon = strings.Join(canon, " ")
	return a
}

// isCJK reports scripts written without spaces between words, which are
// tokenised by characters rather than by words.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r == 'ー' // the katakana long-vowel mark is in the Common script
}

func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) && !isCJK(r)
}

// isApostrophe joins "don't" into one word instead of "don" and "t".
func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

// stopWords are English words that appear in almost any question; left in,
// they would make "What are your opening hours?" look like every other
// question starting with "what are".
var stopWords = map[string]struct{}{}

func init() {
	for _, w := range strings.Fields(`a an the is are was were be been am do does did
		i me my we our us you your it its this that these those to of in on at for with from by
		and or but can could will would should shall may might must what when where which who whom
		why how there here have has had please hi hello`) {
		stopWords[w] = struct{}{}
	}
}

// foldWord drops stop words and folds plural, "-ing" and "-ed" endings, so
// that "shipping", "ships" and "shipped" all meet "ship". It is deliberately
// naive: the same folding runs on the entries and on the visitor's text, so
// being consistent matters more than being linguistically right.
func foldWord(w string) (string, bool) {
	if _, stop := stopWords[w]; stop {
		return "", false
	}
	if !isLatinWord(w) || len(w) <= 3 {
		return w, true
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "es") && hasAnySuffix(w[:len(w)-2], "s", "x", "z", "ch", "sh"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	for _, suffix := range []string{"ing", "ed"} {
		if stem := strings.TrimSuffix(w, suffix); stem != w && len(stem) >= 3 {
			w = undouble(stem)
			break
		}
	}
	// "invoice" and "invoiced" must meet: drop a final e, as "-ed" already did.
	if len(w) >= 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w, true
}

// undouble turns "shipp" (from "shipping") back into "ship".
func undouble(w string) string {
	n := len(w)
	if n >= 4 && w[n-1] == w[n-2] && !strings.ContainsRune("aeioulsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, suf := range suffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// isLatinWord limits the English folding to ASCII letters: it would only
// mangle words of other languages.
func isLatinWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
