package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Source types of downlink messages (spec 003 §5.1.1).
const (
	sourceRobot  = "ROBOT"
	sourceAgent  = "AGENT"
	sourceSystem = "SYSTEM"
)

// What ccflow's conversation says to the visitor, in the locales it ships.
// A poll answer carries no phase, so these texts are how a visitor knows
// where its conversation stands. A SYSTEM text not listed here (another
// wording or locale) is read by its position instead: the first one after
// the transfer is the queue notice, the next one the assignment; after the
// chat the first one is the rating request, and after the rating the close.
var (
	textsQueued = []string{
		"正在为您转接人工座席，请稍候。", "Transferring you to an agent, please wait.",
		"正在为您转接其他座席，请稍候。", "Transferring you to another agent, please wait.",
		"座席已离开，正在为您重新排队。", "Your agent has left; you are back in the queue.",
	}
	textsConnected    = []string{"已接通座席。", "Connected to an agent."}
	textsQueueTimeout = []string{"当前座席繁忙，暂时无法接通。您可以留言，我们会尽快联系您。", "All agents are busy right now. Please leave a message and we will get back to you."}
	textsRateAsk      = []string{"请为本次服务评分（1-5 分）。", "Please rate this conversation from 1 to 5."}
	textsClosed       = []string{"会话已结束，感谢您的咨询。", "The conversation has ended. Thank you."}
)

// errNotYet is a wait that ran out of time; the caller decides what it means.
var errNotYet = errors.New("not received in time")

// stepError is a visitor's conversation failing at one step.
type stepError struct {
	step string
	err  error
}

// Error names the step and the cause.
func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }

// Unwrap gives the cause.
func (e *stepError) Unwrap() error { return e.err }

// kind groups failures in the report by step and error kind.
func (e *stepError) kind() string {
	var ae *apiError
	switch {
	case errors.As(e.err, &ae):
		return e.step + ": " + ae.Kind()
	case errors.Is(e.err, errNotYet):
		return e.step + ": not received in time"
	default:
		return e.step
	}
}

// received is a downlink message and when its poll answer arrived.
type received struct {
	downlink
	at time.Time
}

// benchVisitor is one simulated visitor: one conversation from CONNECT to
// the rating, reading its messages with cursor long-polls as the chat page
// does.
type benchVisitor struct {
	b       *bench
	id      string
	s       *customerSession
	phase   phase
	cursor  int64
	backlog []received
	// settled says the visitor has been counted in the idle window's gate.
	settled bool
}

func (v *benchVisitor) moveTo(p phase) {
	v.b.progress.move(v.phase, p)
	v.phase = p
}

// run plays the whole conversation. It returns a *stepError when the
// conversation could not be completed, or the context's error when the run
// ended first.
func (v *benchVisitor) run(ctx context.Context) error {
	b := v.b
	grace := b.cfg.Grace
	if b.idleGate != nil {
		// A visitor that never gets to the idle window must not hold it up.
		defer v.settleIdle(ctx, false)
	}
	v.moveTo(phaseConnecting)
	err := v.s.apply(ctx)
	if b.startGate != nil {
		b.startGate.arrive(1)
		if err == nil {
			err = b.startGate.wait(ctx)
		}
	}
	if err != nil {
		return v.fail(ctx, "applyToken", err)
	}
	begin := time.Now()
	if err := v.s.send(ctx, "CONNECT", "", v.id+"-connect"); err != nil {
		return v.fail(ctx, "connect", err)
	}
	b.connectSend.add(time.Since(begin))
	// The grace period counts from CONNECT's answer: a slow CONNECT shows in
	// the connect latency, not as a missing greeting.
	at, err := v.waitFor(ctx, time.Now().Add(grace), func(m downlink) (bool, error) { return m.SourceType == sourceRobot, nil })
	if err != nil {
		return v.fail(ctx, "robot greeting", err)
	}
	b.connect.add(at.Sub(begin))

	v.moveTo(phaseQueued)
	transferAt := time.Now()
	if err := v.s.send(ctx, "TRANS2AGENT", "", v.id+"-transfer"); err != nil {
		return v.fail(ctx, "transfer", err)
	}
	// The queue may legitimately be long when visitors outnumber the agents'
	// capacity, so only the run's timeout (or ccflow's own queue limit) ends it.
	at, err = v.waitFor(ctx, time.Time{}, v.assignment())
	if err != nil {
		return v.fail(ctx, "queue assignment", err)
	}
	b.queue.add(at.Sub(transferAt))

	if b.idleGate != nil {
		v.moveTo(phaseIdle)
		v.settleIdle(ctx, true)
		if err := v.idle(ctx); err != nil {
			return v.fail(ctx, "idle", err)
		}
	}
	v.moveTo(phaseChatting)
	for i := 1; i <= b.cfg.Messages; i++ {
		if err := sleepCtx(ctx, b.cfg.Think); err != nil {
			return v.fail(ctx, "chat", err)
		}
		if err := v.exchange(ctx, i); err != nil {
			return v.fail(ctx, "chat", err)
		}
	}

	v.moveTo(phaseRating)
	if err := v.rate(ctx); err != nil {
		return err
	}
	b.conversation.add(time.Since(begin))
	v.moveTo(phaseDone)
	return nil
}

// exchange sends message i and waits for the agent's answer to it. A reply
// that does not come within the grace period is left to the loss count: the
// conversation goes on, as a visitor would keep typing.
func (v *benchVisitor) exchange(ctx context.Context, i int) error {
	b := v.b
	nonce := strings.ToLower(rand.Text()[:8])
	content := benchMessage{dir: "v2a", visitor: v.id, index: i, nonce: nonce}
	reply := content
	reply.dir = "a2v"
	text, want := content.String(), reply.String()
	sendAt := time.Now()
	b.v2a.sending(text, v.id, sendAt)
	err := v.s.send(ctx, "CHAT", text, v.id+"-v2a-"+strconv.Itoa(i))
	if ctx.Err() != nil {
		// The run ended during the send: its outcome stays unconfirmed.
		return ctx.Err()
	}
	b.v2a.sent(text, err == nil)
	if err != nil {
		// Counted as an error and as a failed send; the next message may fare better.
		return nil
	}
	b.visitorSend.add(time.Since(sendAt))
	_, err = v.waitFor(ctx, time.Now().Add(b.cfg.Grace), func(m downlink) (bool, error) {
		return m.SourceType == sourceAgent && m.Content == want, nil
	})
	if errors.Is(err, errNotYet) {
		return nil
	}
	return err
}

// rate waits for the rating request that follows the agent's close, gives
// the rating, and waits for the close. When the agent does not close, the
// visitor leaves (DISCONNECT), which asks for the rating just the same.
func (v *benchVisitor) rate(ctx context.Context) error {
	grace := v.b.cfg.Grace
	_, err := v.waitFor(ctx, time.Now().Add(grace), v.rateAsk())
	if errors.Is(err, errNotYet) {
		if err := v.s.send(ctx, "DISCONNECT", "", v.id+"-disconnect"); err != nil {
			return v.fail(ctx, "disconnect", err)
		}
		_, err = v.waitFor(ctx, time.Now().Add(grace), v.rateAsk())
	}
	if err != nil {
		return v.fail(ctx, "rating request", err)
	}
	if err := v.s.rate(ctx, 5, "ccbench"); err != nil {
		return v.fail(ctx, "saveSatisfaction", err)
	}
	_, err = v.waitFor(ctx, time.Now().Add(grace), func(m downlink) (bool, error) {
		return m.SourceType == sourceSystem && !slices.Contains(textsRateAsk, m.Content), nil
	})
	if errors.Is(err, errNotYet) {
		if err := v.s.send(ctx, "DISCONNECT", "", v.id+"-disconnect-after-rating"); err != nil {
			return v.fail(ctx, "close after rating", err)
		}
		return nil
	}
	if err != nil {
		return v.fail(ctx, "close after rating", err)
	}
	return nil
}

// assignment matches the message that says an agent took the conversation.
func (v *benchVisitor) assignment() func(downlink) (bool, error) {
	sawQueued := false
	return func(m downlink) (bool, error) {
		switch {
		case m.SourceType == sourceAgent:
			return true, nil
		case m.SourceType != sourceSystem:
			return false, nil
		case slices.Contains(textsConnected, m.Content):
			return true, nil
		case slices.Contains(textsQueueTimeout, m.Content):
			return false, errors.New("ccflow ended the wait (queue timeout): " + m.Content)
		case slices.Contains(textsClosed, m.Content), slices.Contains(textsRateAsk, m.Content):
			return false, errors.New("conversation ended while queued: " + m.Content)
		case slices.Contains(textsQueued, m.Content):
			sawQueued = true
			return false, nil
		case !sawQueued:
			sawQueued = true
			return false, nil
		default:
			return true, nil
		}
	}
}

// rateAsk matches the rating request; a close without one is a failure.
func (v *benchVisitor) rateAsk() func(downlink) (bool, error) {
	return func(m downlink) (bool, error) {
		switch {
		case m.SourceType != sourceSystem:
			return false, nil
		case slices.Contains(textsClosed, m.Content):
			return false, errors.New("conversation closed without asking for a rating")
		case slices.Contains(textsQueueTimeout, m.Content), slices.Contains(textsConnected, m.Content),
			slices.Contains(textsQueued, m.Content):
			return false, nil
		default:
			return true, nil
		}
	}
}

// waitFor reads messages, from what earlier polls left over and then by
// long-polling, until match accepts one; it returns when that message's
// poll answer arrived. The messages before the match are consumed. When
// none matches in time (errNotYet) nothing is consumed: a reply that never
// came must not swallow the rating request the next step waits for. A zero
// deadline waits until ctx ends.
func (v *benchVisitor) waitFor(ctx context.Context, deadline time.Time, match func(downlink) (bool, error)) (time.Time, error) {
	wait := v.b.cfg.PollWait
	var scanned []received
	for {
		for len(v.backlog) > 0 {
			m := v.backlog[0]
			v.backlog = v.backlog[1:]
			ok, err := match(m.downlink)
			if err != nil {
				return m.at, err
			}
			if ok {
				return m.at, nil
			}
			scanned = append(scanned, m)
		}
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		w := wait
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				v.backlog = scanned
				return time.Time{}, errNotYet
			}
			w = max(time.Second, min(wait, left.Truncate(time.Second)))
		}
		if err := v.pollOnce(ctx, w); err != nil {
			return time.Time{}, err
		}
	}
}

// pollOnce long-polls once for up to w and queues what arrives in the
// backlog. A failed poll is counted already and followed by a pause, as a
// chat page would poll again after one; only the run's end is an error.
func (v *benchVisitor) pollOnce(ctx context.Context, w time.Duration) error {
	ans, err := v.s.poll(ctx, v.cursor, w)
	at := time.Now()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return sleepCtx(ctx, 500*time.Millisecond)
	}
	for _, m := range ans.DownlinkMessages {
		v.note(m, at)
		v.backlog = append(v.backlog, received{m, at})
	}
	v.cursor = max(v.cursor, ans.Cursor)
	return nil
}

// settleIdle counts the visitor in the idle window's gate, once.
func (v *benchVisitor) settleIdle(ctx context.Context, withAgent bool) {
	if v.settled {
		return
	}
	v.settled = true
	v.b.idleGate.settle(ctx, 1, withAgent)
}

// idle long-polls with idlePollWait, saying nothing, until the idle window
// has ended; it waits for the window to start the same way. The window's
// end cuts a poll still open, which a cursor poll allows without loss.
// What arrives meanwhile stays in the backlog for the chat.
func (v *benchVisitor) idle(ctx context.Context) error {
	g := v.b.idleGate
	for {
		if end, ok := g.endAt(); ok && !time.Now().Before(end) {
			return nil
		}
		pctx, cancel := context.WithCancel(ctx)
		stop := context.AfterFunc(g.over, cancel)
		err := v.pollOnce(pctx, idlePollWait)
		stop()
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if g.over.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// note books an agent's benchmark message in the ledger the moment its poll
// answer arrives, whatever step the visitor is waiting in.
func (v *benchVisitor) note(m downlink, at time.Time) {
	if m.SourceType != sourceAgent || !strings.HasPrefix(m.Content, "a2v ") {
		return
	}
	if lat, first := v.b.a2v.received(m.Content, at); first {
		v.b.a2vLatency.add(lat)
		if bm, ok := parseBenchMessage(m.Content); ok {
			v.b.edges(bm.index, lat, &v.b.a2vFirst, &v.b.a2vLast)
		}
	}
}

// fail marks the conversation failed at step, unless the run itself ended.
func (v *benchVisitor) fail(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	v.moveTo(phaseFailed)
	return &stepError{step: step, err: err}
}

// benchMessage is the text of one benchmark message: direction, visitor,
// index and a nonce, unique across runs so each arrival is attributable.
type benchMessage struct {
	dir     string
	visitor string
	index   int
	nonce   string
}

// String is the message's content.
func (m benchMessage) String() string {
	return fmt.Sprintf("%s %s %d %s", m.dir, m.visitor, m.index, m.nonce)
}

// parseBenchMessage reads a content written by benchMessage.String.
func parseBenchMessage(s string) (benchMessage, bool) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return benchMessage{}, false
	}
	i, err := strconv.Atoi(f[2])
	if err != nil || i < 1 {
		return benchMessage{}, false
	}
	return benchMessage{dir: f[0], visitor: f[1], index: i, nonce: f[3]}, true
}
