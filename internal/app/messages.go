package app

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/authcache"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/models"
)

// messaging is a process's message log, the notifier its long-polls wait
// on, and its cache of authentication reads, which the same tailer keeps
// current.
type messaging struct {
	log  *chatlog.Log
	hub  *notify.Hub
	auth *authcache.Cache // nil: authentication reads the database every time
}

// messageLog is the message log of a process and the notifier its
// long-polls wait on. A process sees its own writes at once; with a shared
// MySQL (several `ccflow server` replicas and workers) a tailer also turns
// the other processes' writes into wakes, and their revocations into
// dropped cache entries, with no infrastructure beyond the database.
func messageLog(s *stack, db *gorm.DB, shared bool) (messaging, error) {
	hub := notify.NewHub()
	m := messaging{log: &chatlog.Log{DB: db, Pub: hub}, hub: hub}
	if !shared {
		// Every write is this process's own and wakes its waiters directly:
		// the re-check is only a safety net, and 1,000 idle long-polls must
		// not read the database every second. Every revocation is this
		// process's own too.
		hub.Fallback = idleRecheck
		m.auth = authcache.New(authcache.Options{})
		return m, nil
	}
	if db.Dialector.Name() != models.DriverMySQL {
		// Processes sharing a SQLite file have no tailer: nothing is cached.
		hub.Fallback = idleRecheck
		return m, nil
	}
	hub.Fallback = sharedRecheck
	var t *notify.Tailer
	m.auth = authcache.New(authcache.Options{Tail: func() (time.Time, time.Time) { return t.Current() }})
	t, err := notify.NewTailer(notify.TailerConfig{DB: db, Sources: []notify.TailSource{
		{Table: "chat_records", KeyColumn: "conversation_id", KeyPrefix: "conv:"},
		{Table: "agent_events", KeyColumn: "agent_id", KeyPrefix: "agent:"},
		{Table: "auth_changes", KeyColumn: "subject", KeyPrefix: authcache.Prefix},
	}}, notify.Publishers{hub, m.auth})
	if err != nil {
		return messaging{}, err
	}
	background(s, func(ctx context.Context) {
		if err := t.Run(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("message log tailer stopped", "error", err)
		}
	})
	return m, nil
}

// background runs f until the stack stops.
func background(s *stack, f func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(ctx)
	}()
	s.onStop(func() {
		cancel()
		wg.Wait()
	})
}

// How often a long-poll re-reads the log with no wake: rarely when only this
// process writes, every few seconds when a tailer could miss a late commit.
const (
	idleRecheck   = 30 * time.Second
	sharedRecheck = 3 * time.Second
)
