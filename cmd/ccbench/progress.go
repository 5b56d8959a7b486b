package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// phase is where a simulated visitor stands, for the progress line.
type phase int

const (
	phaseWaiting phase = iota
	phaseConnecting
	phaseQueued
	phaseIdle
	phaseChatting
	phaseRating
	phaseDone
	phaseFailed
	phaseCount
)

// String names the phase in reports.
func (p phase) String() string {
	switch p {
	case phaseWaiting:
		return "not started"
	case phaseConnecting:
		return "connecting"
	case phaseQueued:
		return "queued"
	case phaseIdle:
		return "idle"
	case phaseChatting:
		return "chatting"
	case phaseRating:
		return "rating"
	case phaseDone:
		return "done"
	case phaseFailed:
		return "failed"
	default:
		return "phase " + strconv.Itoa(int(p))
	}
}

// progress shows conversations completed out of the total on stderr: a bar
// redrawn in place on a terminal, a line every few seconds otherwise (CI
// logs would fill with carriage returns).
type progress struct {
	w      io.Writer
	tty    bool
	total  int
	begin  time.Time
	counts [phaseCount]atomic.Int64

	// mu serialises writes: notes from the run share the line with the bar.
	mu     sync.Mutex
	broken bool

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, stop: make(chan struct{}), done: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	p.counts[phaseWaiting].Store(int64(total))
	return p
}

// move records a visitor leaving one phase for another.
func (p *progress) move(from, to phase) {
	p.counts[from].Add(-1)
	p.counts[to].Add(1)
}

// start draws until finish is called.
func (p *progress) start() {
	p.begin = time.Now()
	interval := 200 * time.Millisecond
	if !p.tty {
		interval = 5 * time.Second
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				p.draw(true)
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
}

// finish draws the last state and ends the line.
func (p *progress) finish() {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.done
}

func (p *progress) line() string {
	done := int(p.counts[phaseDone].Load())
	failed := int(p.counts[phaseFailed].Load())
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = (done + failed) * width / p.total
	}
	bar := strings.Repeat("#", filled) + strings.Repeat("-", width-filled)
	idle := ""
	if n := p.counts[phaseIdle].Load(); n > 0 {
		idle = fmt.Sprintf("  idle %d", n)
	}
	return fmt.Sprintf("[%s] %d/%d conversations  failed %d | connecting %d  queued %d%s  chatting %d  rating %d | %s",
		bar, done+failed, p.total, failed,
		p.counts[phaseConnecting].Load(), p.counts[phaseQueued].Load(), idle,
		p.counts[phaseChatting].Load(), p.counts[phaseRating].Load(),
		time.Since(p.begin).Truncate(100*time.Millisecond))
}

// note prints a message on its own line without tearing the bar.
func (p *progress) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prefix := ""
	if p.tty {
		prefix = "\r\033[K"
	}
	p.write(prefix + "ccbench: " + fmt.Sprintf(format, args...) + "\n")
}

func (p *progress) draw(last bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.tty && last:
		p.write("\r\033[K" + p.line() + "\n")
	case p.tty:
		p.write("\r\033[K" + p.line())
	default:
		p.write(p.line() + "\n")
	}
}

// write gives up on the first failed write: a closed stderr must not fail
// the run, and retrying every tick would only fail again.
func (p *progress) write(s string) {
	if p.broken {
		return
	}
	if _, err := io.WriteString(p.w, s); err != nil {
		p.broken = true
	}
}
