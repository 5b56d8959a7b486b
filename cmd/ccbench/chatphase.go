package main

import "time"

// chatSpan is the chat phase of a run as a whole: the messages visitors and
// agents traded, from the first one's send to the last one's arrival. It
// leaves out CONNECT, the robot, the queue, the idle window and the rating,
// which the whole-run throughput includes.
type chatSpan struct {
	// messages counts chat messages that arrived (first copies only).
	messages int
	// first is when the earliest chat message's send started; last is when
	// the latest first copy arrived.
	first, last time.Time
}

// span is the chat span of one direction.
func (l *ledger) span() chatSpan {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s chatSpan
	for _, e := range l.entries {
		if s.first.IsZero() || e.sentAt.Before(s.first) {
			s.first = e.sentAt
		}
		if e.received == 0 {
			continue
		}
		s.messages++
		if e.firstAt.After(s.last) {
			s.last = e.firstAt
		}
	}
	return s
}

// merge is the span of both directions together.
func (s chatSpan) merge(o chatSpan) chatSpan {
	out := chatSpan{messages: s.messages + o.messages, first: s.first, last: s.last}
	if out.first.IsZero() || (!o.first.IsZero() && o.first.Before(out.first)) {
		out.first = o.first
	}
	if o.last.After(out.last) {
		out.last = o.last
	}
	return out
}

// seconds is the span's wall time; 0 when no message arrived.
func (s chatSpan) seconds() float64 {
	if s.messages == 0 || s.first.IsZero() || !s.last.After(s.first) {
		return 0
	}
	return s.last.Sub(s.first).Seconds()
}

// perSecond is the chat-phase throughput: messages over the span's wall time.
func (s chatSpan) perSecond() float64 {
	secs := s.seconds()
	if secs == 0 {
		return 0
	}
	return float64(s.messages) / secs
}
