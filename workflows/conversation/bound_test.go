package conversation

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/routing"
)

// The conversation state's bound (issue 9 item 5).
//
// State holds no messages: questions and answers are rows of the log, and
// the workflow keeps only seq numbers and counters of them, so a long chat
// costs the state nothing. What can grow is capped in state.go: Dedupe at
// keepDedupe (32) command answers of about 140 bytes each (a 36-character
// key and the spec's description), about 4.5 KiB; Routing at maxRouting (16)
// notices of about 600 bytes each (an Entry with a 64-character user id and
// a 32-character name; see routing's bound test),
// about 9.5 KiB, and only while routing is unreachable, since each is
// dropped once delivered. The rest is the channel snapshot and the
// visitor: about 1.5 KiB here. That makes about 15 KiB in the worst case, so
// stateBound is 16 KiB, far below Temporal's 512 KiB payload warning: the
// input of a continue-as-new is never large. Measured: 5.9 KB after 10,000
// questions with a full dedupe window and no routing request pending, and
// 14.9 KB with 16 routing requests pending on top.
const (
	// stateBound is the most a conversation's serialized State may take.
	stateBound = 16 << 10
	// boundQuestions is how many robot questions the bound test asks.
	// Agent-phase chat never reaches the workflow at all (the API writes it
	// to the log and no signal is sent), so robot questions, one signal and
	// one Robot turn each, are the only messages that cost history; they
	// are the worst case for the state too.
	boundQuestions = 10000
	// boundCommands is how many TRANS2AGENT commands the test sends, each
	// with its own dedupe key: more than the dedupe window in every run.
	boundCommands = 160
	// boundRuns is how many runs the questions are spread over: each run
	// continues as new after its share, and the state handed on is measured.
	boundRuns = 4
)

// TestStateStaysBoundedOverTenThousandQuestions drives one conversation
// through 10,000 robot questions (half of them misses) and 160 refused
// transfers in four runs chained by continue-as-new, and checks the
// serialized State each run hands on, the last one after every question:
// it stays under stateBound and does not grow with the number of messages.
func TestStateStaysBoundedOverTenThousandQuestions(t *testing.T) {
	ch := channel()
	// No agents ever: misses never hand off, and TRANS2AGENT answers 12 and is remembered.
	ch.WorkingHours = "sun closed"
	ch.RobotMaxMisses = 2
	ch.RobotIdle, ch.AgentIdle, ch.SatisfactionWait = 10*time.Minute, 15*time.Minute, 2*time.Minute
	ch.PushEndpoints = nil // deliveries run on wall time in the test environment
	log := newFakeLog(t, PhaseRobot, ch)
	log.id = "0193a7f2-5c1e-7d2a-9f3b-4e5d6c7b8a90"
	for i := range boundQuestions {
		if i%2 == 0 {
			log.known[fmt.Sprint("question ", i)] = true
		}
	}
	perRun := boundQuestions / boundRuns
	cmdsPerRun := boundCommands / boundRuns
	in := Start{ConversationID: log.id}
	var sizes []int
	start := t0
	asked := 0
	for run := range boundRuns {
		h := harnessFor(t, log, start)
		if run == 0 {
			// The threshold comes with the state: the first run starts from
			// the state Load would give, with a visitor of long ids.
			st := loadedState(t, log, perRun+cmdsPerRun)
			st.Visitor = Visitor{UserID: strings.Repeat("u", 64), UserName: strings.Repeat("访", 32)}
			in.State = st
		}
		// Questions in batches of 100 a second, the commands in between.
		for b := range perRun / 100 {
			first := asked + b*100
			h.at(time.Duration(b+1)*time.Second, func() {
				for i := first; i < first+100; i++ {
					h.ask(fmt.Sprint("question ", i))
				}
			})
		}
		for c := range cmdsPerRun {
			key := fmt.Sprintf("%08d-1111-2222-3333-444455556666", run*cmdsPerRun+c)
			h.at(time.Duration(c)*time.Second+500*time.Millisecond, func() {
				h.command(ControlTrans2Agent, key)
			})
		}
		asked += perRun
		in = h.continued(in)
		st := in.State
		require.Equal(t, PhaseRobot, st.Phase)
		require.Equal(t, asked, st.RobotTurns, "every question answered before the run handed on")
		require.LessOrEqual(t, len(st.Dedupe), keepDedupe)
		require.Empty(t, st.Routing)
		b, err := json.Marshal(st)
		require.NoError(t, err)
		sizes = append(sizes, len(b))
		require.Less(t, len(b), stateBound, "state after %d questions", asked)
		start = h.env.Now()
	}
	require.Len(t, log.robotCalls, boundQuestions)
	require.Equal(t, boundQuestions/2, countTrue(log.known))
	t.Logf("serialized State after each run of %d questions: %v bytes (bound %d)", perRun, sizes, stateBound)
	// Bounded, not merely small: with the dedupe window full from the first
	// run on, 7,500 more questions add only the digits of the counters.
	require.LessOrEqual(t, sizes[len(sizes)-1]-sizes[0], 64, "state grows with the conversation: %v", sizes)

	// The worst case the comment above counts: the same state with routing
	// unreachable and the request list full.
	worst := *in.State
	for i := range maxRouting {
		worst.Routing = append(worst.Routing, activities.RouteNotice{TenantID: "demo", Enqueue: &routing.Entry{
			ConversationID: log.id, WorkflowID: WorkflowID(log.id), UserID: worst.Visitor.UserID,
			UserName: worst.Visitor.UserName, SkillGroupID: 11, TargetAgentID: strings.Repeat("a", 32),
			FromAgentID: strings.Repeat("b", 32), Ticket: int64(i), QueuedAt: start, MaxWait: time.Hour,
		}})
	}
	b, err := json.Marshal(worst)
	require.NoError(t, err)
	t.Logf("with %d routing requests pending: %d bytes", maxRouting, len(b))
	require.Less(t, len(b), stateBound)
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}
