// Package admin reads and writes the configuration ccflow's admin API
// manages: tenants, app keys, channel configs, skill groups, agents, FAQ
// entries and webhook endpoints. Every write is validated here rather than in
// the handlers, so that nothing can store a row the conversation engine would
// trip over later.
package admin

import "fmt"

// Kind says why a request was refused, so that a caller can pick its answer.
type Kind int

const (
	// KindInvalid is bad input: a missing or malformed field, or a reference
	// to something that does not exist.
	KindInvalid Kind = iota + 1
	// KindNotFound is an unknown id of the resource being read or changed.
	KindNotFound
	// KindConflict is a clash with stored data: a value that must be unique,
	// or a delete of something still in use.
	KindConflict
)

// Error is a refused request; its message is written for the admin who sent it.
type Error struct {
	Kind Kind
	Msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

func invalidf(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Msg: fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf(format, args...)}
}

func conflictf(format string, args ...any) error {
	return &Error{Kind: KindConflict, Msg: fmt.Sprintf(format, args...)}
}
