package chatlog

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models/modelstest"
)

// TestGroupCommitRefusalsUndoNothingElse puts a good message, a repeated
// key, a message for a closed conversation and another good one into one
// group commit: the refused two change nothing, the good two are written.
func TestGroupCommitRefusalsUndoNothingElse(t *testing.T) {
	l := &Log{DB: modelstest.SQLiteDB(t)}
	ctx := context.Background()
	for _, c := range []struct{ id, phase string }{{"open", PhaseAgent}, {"closed", PhaseClosed}} {
		_, _, err := l.Open(ctx, NewConversation{ID: c.id, TenantID: "demo", ChannelConfigID: "ch", UserID: c.id,
			Phase: c.phase, Settings: "{}"})
		require.NoError(t, err)
	}
	msg := func(conv, text, key string) AppendRequest {
		return AppendRequest{ConversationID: conv, Phases: []string{PhaseAgent}, Touch: true,
			Message: Message{SenderType: "CUSTOMER", ControlType: "CHAT", MediaType: "TEXT", Content: text, ClientKey: key}}
	}
	first, err := l.Append(ctx, msg("open", "first", "k1"))
	require.NoError(t, err)

	// Hold the writer so that the four appends queue into one group.
	l.writing.Lock()
	blocker := make(chan error, 1)
	go func() {
		_, err := l.Append(ctx, msg("open", "leader", "k0"))
		blocker <- err
	}()
	waitPending(t, l, 0, true)
	reqs := []AppendRequest{msg("open", "good 1", "k2"), msg("open", "repeat", "k1"), msg("closed", "late", "k3"), msg("open", "good 2", "k4")}
	results := make([]AppendResult, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = l.Append(ctx, r)
		}()
	}
	waitPending(t, l, len(reqs), true)
	l.writing.Unlock()
	wg.Wait()
	require.NoError(t, <-blocker)

	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.True(t, results[1].Duplicate, "a repeated key answers its first write")
	require.Equal(t, first.Record.Seq, results[1].Record.Seq)
	var pe *PhaseError
	require.True(t, errors.As(errs[2], &pe), "a closed conversation refuses: %v", errs[2])
	require.NoError(t, errs[3])

	msgs, err := l.Messages(ctx, "open", 0, 100)
	require.NoError(t, err)
	var texts []string
	for i, m := range msgs {
		require.EqualValues(t, i+1, m.Seq, "seqs stay contiguous")
		texts = append(texts, m.Content)
	}
	require.ElementsMatch(t, []string{"first", "leader", "good 1", "good 2"}, texts)
	closed, err := l.Messages(ctx, "closed", 0, 100)
	require.NoError(t, err)
	require.Empty(t, closed)
}

// waitPending waits until n appends wait for the next group while one leads.
func waitPending(t *testing.T, l *Log, n int, leading bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		l.groupMu.Lock()
		defer l.groupMu.Unlock()
		return len(l.pending) == n && l.leading == leading
	}, 5*time.Second, time.Millisecond)
}
