package chatlog_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// BenchmarkAppend measures one visitor message written to the log on
// SQLite, with 50 conversations written in parallel, each served by an
// agent (so each message is an agent event too) and sent with a client key,
// as the customer API's send writes it.
func BenchmarkAppend(b *testing.B) {
	benchmarkAppend(b, modelstest.SQLiteDB(b), false)
}

// BenchmarkAppendMySQL is BenchmarkAppend on MySQL/MariaDB (the scaled-out
// path: a transaction per append, row locks instead of a group commit).
func BenchmarkAppendMySQL(b *testing.B) {
	benchmarkAppend(b, modelstest.MySQLDB(b), false)
}

// BenchmarkAppendMySQLSeen is BenchmarkAppendMySQL with the conversation as
// the visitor's send has read it (AppendRequest.Seen): one statement fewer.
func BenchmarkAppendMySQLSeen(b *testing.B) {
	benchmarkAppend(b, modelstest.MySQLDB(b), true)
}

func benchmarkAppend(b *testing.B, db *gorm.DB, seen bool) {
	l := &chatlog.Log{DB: db}
	ctx := context.Background()
	const convs = 50
	for i := range convs {
		_, _, err := l.Open(ctx, chatlog.NewConversation{ID: fmt.Sprint("c", i), TenantID: "demo", ChannelConfigID: "ch",
			UserID: fmt.Sprint("u", i), Phase: chatlog.PhaseAgent, Settings: "{}"})
		require.NoError(b, err)
		require.NoError(b, db.Model(&models.Conversation{}).Where("id = ?", fmt.Sprint("c", i)).
			Update("agent_id", fmt.Sprint("a", i%17)).Error)
	}
	var keys atomic.Int64
	cpu := processCPU(b)
	b.ResetTimer()
	b.SetParallelism(convs / 2)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprint("c", n.Add(1)%convs)
		var snapshot *models.Conversation
		if seen {
			c, err := l.Get(ctx, id)
			require.NoError(b, err)
			snapshot = &c
		}
		for pb.Next() {
			req := chat(id, "hello", fmt.Sprint("k", keys.Add(1)))
			req.Seen = snapshot
			_, err := l.Append(ctx, req)
			if err != nil {
				b.Error(err)
			}
		}
	})
	// CPU time per message is what a busy box shows; wall time per op
	// depends on what else runs.
	b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}

// processCPU is the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWokenReads measures what a message costs its readers on SQLite:
// the visitor's poll reads the one new message to them, the agent's event
// read reads the one new event and the message it names.
func BenchmarkWokenReads(b *testing.B) {
	db := modelstest.SQLiteDB(b)
	l := &chatlog.Log{DB: db}
	ctx := context.Background()
	const convs = 50
	for i := range convs {
		id := fmt.Sprint("c", i)
		_, _, err := l.Open(ctx, chatlog.NewConversation{ID: id, TenantID: "demo", ChannelConfigID: "ch",
			UserID: fmt.Sprint("u", i), Phase: chatlog.PhaseAgent, Settings: "{}"})
		require.NoError(b, err)
		require.NoError(b, db.Model(&models.Conversation{}).Where("id = ?", id).Update("agent_id", fmt.Sprint("a", i)).Error)
		for j := range 20 {
			_, err := l.Append(ctx, chat(id, "hello", fmt.Sprint("k", j)))
			require.NoError(b, err)
			_, err = l.Append(ctx, chatlog.AppendRequest{ConversationID: id, Phases: []string{chatlog.PhaseAgent},
				Message: chatlog.Message{ToVisitor: true, SenderType: "AGENT", ControlType: "CHAT", MediaType: "TEXT", Content: "hi"}})
			require.NoError(b, err)
		}
	}
	cpu := processCPU(b)
	for i := 0; b.Loop(); i++ {
		id, agent := fmt.Sprint("c", i%convs), fmt.Sprint("a", i%convs)
		msgs, err := l.Downlink(ctx, id, 39, 200)
		if err != nil || len(msgs) != 1 {
			b.Fatal(err, len(msgs))
		}
		events, err := l.AgentEvents(ctx, agent, 19, 500)
		if err != nil || len(events) != 1 {
			b.Fatal(err, len(events))
		}
		if _, err := l.Message(ctx, id, events[0].MessageSeq); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}
