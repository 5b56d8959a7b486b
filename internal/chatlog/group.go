package chatlog

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// Group commit on SQLite: SQLite has one write lock, so the appends that
// arrive while a transaction commits wait for it anyway; the first of them
// becomes the leader and writes all that queued up in one transaction, in
// which one refused message (a phase that does not take it, a repeated key)
// never undoes the others. One commit then pays for many messages instead
// of one.

// maxGroup bounds the appends one transaction writes.
const maxGroup = 128

// appendJob is an Append waiting for a group commit.
type appendJob struct {
	r      AppendRequest
	res    AppendResult
	agents []string
	err    error
	done   chan struct{}
}

// group queues r for the next group commit and waits for it.
func (l *Log) group(ctx context.Context, r AppendRequest) (AppendResult, []string, error) {
	j := &appendJob{r: r, done: make(chan struct{})}
	l.groupMu.Lock()
	l.pending = append(l.pending, j)
	lead := !l.leading
	l.leading = true
	l.groupMu.Unlock()
	if lead {
		// Detached: the leader writes for others too, and a client that
		// leaves must not cancel their writes.
		l.lead(context.WithoutCancel(ctx), j)
	}
	select {
	case <-j.done:
		return j.res, j.agents, j.err
	case <-ctx.Done():
		// The write may still commit; the caller's retry with the same key finds it.
		return AppendResult{}, nil, ctx.Err()
	}
}

// lead writes queued appends, a group at a time, until none is left. Once
// its own append is written, a leader hands the rest to a goroutine, so that
// its caller never waits for other callers' writes.
func (l *Log) lead(ctx context.Context, mine *appendJob) {
	for {
		if mine != nil {
			select {
			case <-mine.done:
				go l.lead(ctx, nil)
				return
			default:
			}
		}
		l.groupMu.Lock()
		jobs := l.pending
		if len(jobs) > maxGroup {
			jobs = jobs[:maxGroup]
		}
		l.pending = l.pending[len(jobs):]
		if len(jobs) == 0 {
			l.leading = false
			l.groupMu.Unlock()
			return
		}
		l.groupMu.Unlock()
		l.commitGroup(ctx, jobs)
	}
}

// commitGroup writes jobs in one transaction. A refused append (a phase
// that does not take it, a conversation that is gone, a repeated key) must
// not undo the others, and needs no savepoint for that: appendIn refuses
// before it writes, and a repeated key fails the first write, an INSERT
// that SQLite takes back alone while the transaction goes on. (Savepoints
// made SQLite copy every page the group touched into a statement journal:
// a fifth of an append's CPU.) Any other error fails the whole group.
func (l *Log) commitGroup(ctx context.Context, jobs []*appendJob) {
	db, done := l.writer(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, j := range jobs {
			j.res, j.agents, j.err = l.appendIn(tx, j.r)
			if j.err == nil {
				continue
			}
			var pe *PhaseError
			if !errors.As(j.err, &pe) && !errors.Is(j.err, ErrNotFound) && !isDuplicate(j.err) {
				return j.err
			}
		}
		return nil
	})
	done()
	for _, j := range jobs {
		if err != nil {
			// The whole group failed: nothing of it was written.
			j.res, j.agents, j.err = AppendResult{}, nil, err
		}
		close(j.done)
	}
}
