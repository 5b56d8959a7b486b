package main

import (
	"sync"
	"time"
)

// sendState is what the sender learned about one message.
type sendState int

const (
	// sendPending: the send is in flight (or the run stopped during it).
	sendPending sendState = iota
	// sendAccepted: ccflow answered success, so the message must arrive.
	sendAccepted
	// sendFailed: every attempt failed; ccflow may or may not have it.
	sendFailed
)

// ledger tracks one direction's messages by their content, which is unique
// per message, so a loss or a duplicate shows whatever the transport did.
type ledger struct {
	mu         sync.Mutex
	entries    map[string]*ledgerEntry
	unexpected int
}

type ledgerEntry struct {
	conv     string
	sentAt   time.Time
	state    sendState
	received int
	// firstAt is when the first copy arrived.
	firstAt time.Time
}

func newLedger() *ledger {
	return &ledger{entries: map[string]*ledgerEntry{}}
}

// sending registers a message of conversation conv (the visitor's id) before
// its send starts, so that a receiver faster than the sender's answer still
// finds it.
func (l *ledger) sending(content, conv string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.entries[content]; !ok {
		l.entries[content] = &ledgerEntry{conv: conv, sentAt: at}
	}
}

// sent records the outcome of the send.
func (l *ledger) sent(content string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.entries[content]
	if !found {
		return
	}
	if ok {
		e.state = sendAccepted
	} else if e.state == sendPending {
		e.state = sendFailed
	}
}

// received records one arrival. It returns the delivery latency and true on
// the first arrival of a known message; a repeat or an unknown message
// returns false.
func (l *ledger) received(content string, at time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[content]
	if !ok {
		l.unexpected++
		return 0, false
	}
	e.received++
	if e.received > 1 {
		return 0, false
	}
	e.firstAt = at
	return at.Sub(e.sentAt), true
}

// seen reports whether content has arrived at least once.
func (l *ledger) seen(content string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[content]
	return ok && e.received > 0
}

// tally is the accounting of one direction.
type tally struct {
	// Sent counts messages whose send ccflow accepted.
	Sent     int `json:"sent"`
	Received int `json:"received"`
	// Lost counts accepted messages that never arrived although their
	// conversation ran to its end (its visitor waited the grace period).
	Lost int `json:"lost"`
	// InFlight counts accepted messages not arrived in conversations the
	// run's end cut short (timeout or interrupt): they may still be on the way.
	InFlight int `json:"inFlight"`
	// Duplicated counts messages that arrived more than once; ExtraCopies
	// counts the surplus arrivals.
	Duplicated  int `json:"duplicated"`
	ExtraCopies int `json:"extraCopies"`
	// SendFailed counts messages whose send failed for good (an error, not a loss).
	SendFailed int `json:"sendFailed"`
	// Unconfirmed counts sends with no answer when the run stopped.
	Unconfirmed int `json:"unconfirmed"`
	// Unexpected counts arrivals of messages nobody sent in this run.
	Unexpected int `json:"unexpected"`
}

// tally counts the ledger; cutShort says which conversations the run's end
// interrupted.
func (l *ledger) tally(cutShort func(conv string) bool) tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := tally{Unexpected: l.unexpected}
	for _, e := range l.entries {
		if e.received > 0 {
			t.Received++
		}
		if e.received > 1 {
			t.Duplicated++
			t.ExtraCopies += e.received - 1
		}
		switch e.state {
		case sendAccepted:
			t.Sent++
			if e.received == 0 {
				if cutShort(e.conv) {
					t.InFlight++
				} else {
					t.Lost++
				}
			}
		case sendFailed:
			t.SendFailed++
		case sendPending:
			t.Unconfirmed++
		}
	}
	return t
}
