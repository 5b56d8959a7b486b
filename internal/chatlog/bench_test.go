package chatlog_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/models/modelstest"
)

// BenchmarkAppend measures one visitor message written to the log on
// SQLite, with 50 conversations written in parallel.
func BenchmarkAppend(b *testing.B) {
	l := &chatlog.Log{DB: modelstest.SQLiteDB(b)}
	ctx := context.Background()
	const convs = 50
	for i := range convs {
		_, _, err := l.Open(ctx, chatlog.NewConversation{ID: fmt.Sprint("c", i), TenantID: "demo", ChannelConfigID: "ch",
			UserID: fmt.Sprint("u", i), Phase: chatlog.PhaseAgent, Settings: "{}"})
		require.NoError(b, err)
	}
	b.ResetTimer()
	b.SetParallelism(convs / 2)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprint("c", n.Add(1)%convs)
		for pb.Next() {
			_, err := l.Append(ctx, chat(id, "hello", ""))
			if err != nil {
				b.Error(err)
			}
		}
	})
}
