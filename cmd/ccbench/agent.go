package main

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// benchAgent is one simulated agent: a single events long-poll loop, as an
// agent console keeps, and a goroutine per conversation so that a slow
// reply never holds up the events of the agent's other conversations.
type benchAgent struct {
	b    *bench
	acct agentAccount
	cl   *agentClient

	mu    sync.Mutex
	convs map[string]*convWorker
	wg    sync.WaitGroup

	assigned atomic.Int64
	closed   atomic.Int64
}

func newBenchAgent(b *bench, acct agentAccount) *benchAgent {
	return &benchAgent{
		b: b, acct: acct, convs: map[string]*convWorker{},
		cl: &agentClient{c: b.api, reads: b.reads, username: acct.Username, password: acct.Password},
	}
}

// start logs in and becomes ready to take conversations.
func (a *benchAgent) start(ctx context.Context) error {
	if err := a.cl.login(ctx); err != nil {
		return err
	}
	return a.cl.setStatus(ctx, agentReady)
}

// loop reads the event feed until ctx ends, then waits for the
// conversations' goroutines.
func (a *benchAgent) loop(ctx context.Context) {
	defer a.wg.Wait()
	var cursor int64
	for ctx.Err() == nil {
		events, next, err := a.cl.events(ctx, cursor, a.b.cfg.PollWait)
		at := time.Now()
		if err != nil {
			// Counted by the client; a console retries after a pause.
			if sleepCtx(ctx, 500*time.Millisecond) != nil {
				return
			}
			continue
		}
		cursor = next
		for _, e := range events {
			a.handle(ctx, e, at)
		}
	}
}

// handle reacts to one event; it never blocks on the network.
func (a *benchAgent) handle(ctx context.Context, e agentEvent, at time.Time) {
	switch e.Type {
	case eventAssigned:
		if e.Conversation != nil && !a.b.isBenchVisitor(e.Conversation.UserID) {
			return
		}
		a.assigned.Add(1)
		a.worker(ctx, e.ConversationID)
	case eventMessage:
		m := e.Message
		if m == nil || m.SenderType != senderCustomer || !strings.HasPrefix(m.Content, "v2a ") {
			return
		}
		bm, ok := parseBenchMessage(m.Content)
		if !ok || !a.b.isBenchVisitor(bm.visitor) {
			return
		}
		lat, first := a.b.v2a.received(m.Content, at)
		if !first {
			// A repeat is counted by the ledger; answering it again would
			// only blur the other direction's count.
			return
		}
		a.b.v2aLatency.add(lat)
		a.b.edges(bm.index, lat, &a.b.v2aFirst, &a.b.v2aLast)
		a.worker(ctx, e.ConversationID).push(bm)
	case eventClosed, eventRequeued, eventTransferred:
		a.mu.Lock()
		w := a.convs[e.ConversationID]
		a.mu.Unlock()
		if w != nil {
			w.finish()
		}
	}
}

// worker returns the conversation's worker, starting it on first sight: a
// message may be the first event seen of a conversation.
func (a *benchAgent) worker(ctx context.Context, convID string) *convWorker {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w, ok := a.convs[convID]; ok {
		return w
	}
	w := &convWorker{id: convID, wake: make(chan struct{}, 1)}
	a.convs[convID] = w
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.serve(ctx, w)
	}()
	return w
}

// serve answers each visitor message and closes the conversation after the
// answer to the last one.
func (a *benchAgent) serve(ctx context.Context, w *convWorker) {
	for {
		m, ok := w.next(ctx)
		if !ok {
			return
		}
		reply := m
		reply.dir = "a2v"
		text := reply.String()
		sendAt := time.Now()
		a.b.a2v.sending(text, m.visitor, sendAt)
		err := a.cl.sendMessage(ctx, w.id, text, m.visitor+"-a2v-"+strconv.Itoa(m.index))
		if ctx.Err() != nil {
			// The run ended during the send: its outcome stays unconfirmed.
			return
		}
		a.b.a2v.sent(text, err == nil)
		if err == nil {
			a.b.agentSend.add(time.Since(sendAt))
		}
		if m.index < a.b.cfg.Messages {
			continue
		}
		if a.closeConversation(ctx, w.id) {
			a.closed.Add(1)
		}
		w.finish()
	}
}

// closeConversation closes a conversation and says whether it closed. The
// close's own answer may come after the visitor's rating has ended the run
// and cancelled ctx, so the call outlives ctx for a bounded time: otherwise
// a close that succeeded would be counted as failed.
func (a *benchAgent) closeConversation(ctx context.Context, id string) bool {
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return a.cl.closeConversation(closeCtx, id) == nil
}

// stop sets the agent offline; its conversations are over by then.
func (a *benchAgent) stop(ctx context.Context) error {
	return a.cl.setStatus(ctx, agentOffline)
}

// convWorker queues one conversation's visitor messages for its goroutine.
type convWorker struct {
	id   string
	wake chan struct{}

	mu       sync.Mutex
	queue    []benchMessage
	finished bool
}

// push queues a message without blocking the event loop.
func (w *convWorker) push(m benchMessage) {
	w.mu.Lock()
	if !w.finished {
		w.queue = append(w.queue, m)
	}
	w.mu.Unlock()
	w.signal()
}

// finish ends the worker once its queue is drained.
func (w *convWorker) finish() {
	w.mu.Lock()
	w.finished = true
	w.mu.Unlock()
	w.signal()
}

func (w *convWorker) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// next returns the next message; false when the conversation is over and
// answered, or ctx ended.
func (w *convWorker) next(ctx context.Context) (benchMessage, bool) {
	for {
		w.mu.Lock()
		if len(w.queue) > 0 {
			m := w.queue[0]
			w.queue = w.queue[1:]
			w.mu.Unlock()
			return m, true
		}
		done := w.finished
		w.mu.Unlock()
		if done {
			return benchMessage{}, false
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			return benchMessage{}, false
		}
	}
}
