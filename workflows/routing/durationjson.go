package routing

import (
	"encoding/json"
	"time"

	"github.com/ccflow/ccflow/workflows/internal/duration"
)

// Entry and Wait as JSON: their durations readable in Temporal UI ("5m0s",
// not nanoseconds); nanoseconds written before still read. The outer
// fields shadow the embedded ones.
type (
	plainEntry Entry
	entryJSON  struct {
		plainEntry
		MaxWait duration.Readable
	}
	plainWait Wait
	waitJSON  struct {
		plainWait
		Wait duration.Readable
	}
)

// MarshalJSON writes the entry with a readable MaxWait.
func (e Entry) MarshalJSON() ([]byte, error) {
	return json.Marshal(entryJSON{plainEntry: plainEntry(e), MaxWait: duration.Readable(e.MaxWait)})
}

// UnmarshalJSON reads MaxWait as a string or nanoseconds.
func (e *Entry) UnmarshalJSON(b []byte) error {
	var j entryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Entry(j.plainEntry)
	e.MaxWait = time.Duration(j.MaxWait)
	return nil
}

// MarshalJSON writes the wait readable.
func (w Wait) MarshalJSON() ([]byte, error) {
	return json.Marshal(waitJSON{plainWait: plainWait(w), Wait: duration.Readable(w.Wait)})
}

// UnmarshalJSON reads the wait as a string or nanoseconds.
func (w *Wait) UnmarshalJSON(b []byte) error {
	var j waitJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*w = Wait(j.plainWait)
	w.Wait = time.Duration(j.Wait)
	return nil
}
