// Package transfer recognises a visitor's line to the robot that only asks
// for a person (转人工, human, …): the robot's own "did not understand" line
// tells visitors to type it, so typing it is a TRANS2AGENT, not another miss.
// Each tenant may set its own list (the admin API's tenant transferWords);
// without one the built-in Defaults apply.
package transfer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Defaults are the lines that ask for a person when a tenant sets none.
var Defaults = []string{
	"转人工", "人工", "人工客服", "人工服务", "转人工客服", "找人工", "客服",
	"human", "agent", "an agent", "a human", "human agent", "live agent",
	"talk to a human", "talk to an agent", "speak to an agent",
}

// Bounds of a tenant's list, checked by the admin API.
const (
	MaxWords   = 50
	MaxWordLen = 32
)

// Normalize is how a line is compared: lower case, without punctuation or
// symbols, single spaces. Only a whole line counts, so "客服电话是多少" is
// still a question for the robot.
func Normalize(s string) string {
	cleaned := strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Join(strings.Fields(cleaned), " ")
}

// Set is a list of transfer lines, normalized.
type Set map[string]bool

// NewSet normalizes words into a Set.
func NewSet(words []string) Set {
	s := make(Set, len(words))
	for _, w := range words {
		if n := Normalize(w); n != "" {
			s[n] = true
		}
	}
	return s
}

// Matches tells whether a visitor's whole line is one of the set's.
func (s Set) Matches(content string) bool { return s[Normalize(content)] }

// Clean checks and tidies a tenant's list for storing: each line trimmed,
// duplicates (as compared) dropped, order kept. An empty list is allowed: it
// turns the typed transfer off, leaving the button.
func Clean(words []string) ([]string, error) {
	if len(words) > MaxWords {
		return nil, fmt.Errorf("transferWords has %d lines, at most %d", len(words), MaxWords)
	}
	out := make([]string, 0, len(words))
	seen := map[string]bool{}
	for _, w := range words {
		w = strings.TrimSpace(w)
		n := Normalize(w)
		if n == "" {
			return nil, fmt.Errorf("transferWords: %q has no letters", w)
		}
		if utf8.RuneCountInString(w) > MaxWordLen {
			return nil, fmt.Errorf("transferWords: %q is longer than %d characters", w, MaxWordLen)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, w)
		}
	}
	return out, nil
}

// Stored is a tenant's list as its row keeps it (JSON); nil stores nothing.
func Stored(words []string) (*string, error) {
	raw, err := json.Marshal(words)
	if err != nil {
		return nil, err
	}
	s := string(raw)
	return &s, nil
}

// Of is the list a tenant's row holds: its own, or Defaults when it has none.
func Of(stored *string) ([]string, error) {
	if stored == nil {
		return Defaults, nil
	}
	var words []string
	if err := json.Unmarshal([]byte(*stored), &words); err != nil {
		return nil, fmt.Errorf("tenant transfer words: %w", err)
	}
	if words == nil {
		words = []string{}
	}
	return words, nil
}
