// Package duration encodes the durations of workflow payloads as Go
// duration strings ("5m0s"), which Temporal UI shows as they are, instead
// of time.Duration's nanoseconds ("300000000000"). It reads both forms, so
// histories written before keep replaying.
package duration

import (
	"encoding/json"
	"fmt"
	"time"
)

// Readable is a time.Duration that JSON writes as "5m0s".
type Readable time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Readable) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a Go duration string, or nanoseconds as a number.
func (d *Readable) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Readable(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration %s: neither a duration string nor nanoseconds", b)
	}
	*d = Readable(n)
	return nil
}
