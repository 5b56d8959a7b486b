package admin

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// identifierPattern keeps ids safe in URL paths, workflow ids (which use ':'
// as a separator) and log lines.
var identifierPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// collect joins every problem found into one KindInvalid error, so that an
// admin fixes a request in one round trip; nil when there is none.
func collect(problems ...error) error {
	msgs := make([]string, 0, len(problems))
	for _, p := range problems {
		if p != nil {
			msgs = append(msgs, p.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return invalidf("%s", strings.Join(msgs, "; "))
}

// identifier checks a required id-like value against identifierPattern.
func identifier(name, v string, size int) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is required", name)
	case len(v) > size:
		return fmt.Errorf("%s must be at most %d characters", name, size)
	case !identifierPattern.MatchString(v):
		return fmt.Errorf("%s may contain only letters, digits, '_', '.' and '-', and must start with a letter or digit", name)
	}
	return nil
}

// line checks one line of text: a name, a nickname, a question.
func line(name, v string, size int, required bool) error {
	if strings.ContainsAny(v, "\r\n") {
		return fmt.Errorf("%s must be one line", name)
	}
	return text(name, v, size, required)
}

// text checks free text that may span lines; lengths are in characters, as
// MySQL's varchar counts them.
func text(name, v string, size int, required bool) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return fmt.Errorf("%s is required", name)
	case utf8.RuneCountInString(v) > size:
		return fmt.Errorf("%s must be at most %d characters", name, size)
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		return fmt.Errorf("%s must not contain control characters", name)
	}
	return nil
}

// webURL checks an absolute http or https URL; empty passes unless required.
func webURL(name, v string, size int, required bool) error {
	if v == "" {
		if required {
			return fmt.Errorf("%s is required", name)
		}
		return nil
	}
	if len(v) > size {
		return fmt.Errorf("%s must be at most %d characters", name, size)
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t\r\n"):
		return fmt.Errorf("%s must be an absolute http:// or https:// URL", name)
	case u.User != nil:
		// URLs are shown by the admin API and end up in logs.
		return fmt.Errorf("%s must not contain a user name or password", name)
	}
	return nil
}

// between checks lo <= v <= hi.
func between(name string, v, lo, hi int64) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s must be from %d to %d", name, lo, hi)
	}
	return nil
}

// trimmed returns *v without surrounding spaces, or nil.
func trimmed(v *string) *string {
	if v == nil {
		return nil
	}
	s := strings.TrimSpace(*v)
	return &s
}

// set copies *v to *dst when v is given: absent fields keep their value.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
