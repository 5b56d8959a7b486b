package routing

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// model is the test's own view of the conversations it sent routing.
type model struct {
	ticket map[string]int64
	// open conversations are queued or held; the others left.
	open map[string]bool
	// handBack lists assignments a real conversation would refuse because it
	// already left; they go back to routing at the next step.
	handBack []Leave
}

// TestRoutingInvariantsUnderRandomInterleavings plays many random sequences
// of enqueues, transfers, status changes, leaves and vanished conversations,
// and after every step checks that no agent is above capacity, no
// conversation is in two places or lost, nothing left behind lingers, no
// ready agent idles while a chat it may take waits, and estimates are sane.
func TestRoutingInvariantsUnderRandomInterleavings(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { playRandom(t, seed, 150) })
	}
}

func playRandom(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	h := newHarness(t)
	m := &model{ticket: map[string]int64{}, open: map[string]bool{}}
	agents := []string{"a1", "a2", "a3", "a4", "a5"}
	capacity := map[string]int{}
	groups := map[string][]int64{}
	for _, a := range agents {
		capacity[a] = 1 + rng.IntN(3)
		groups[a] = []int64{int64(11 + rng.IntN(2))}
		if rng.IntN(2) == 0 {
			groups[a] = []int64{11, 12}
		}
	}
	seen := 0
	conv := 0
	for i := range steps {
		at := time.Duration(i+1) * time.Second
		op := rng.IntN(10)
		pick := rng.IntN(1 << 20)
		h.at(at, func() {
			for _, l := range m.handBack {
				h.env.SignalWorkflow(SignalLeave, l)
			}
			m.handBack = nil
			open := m.openIDs()
			switch {
			case op <= 2: // a visitor joins a queue
				conv++
				id := fmt.Sprint("c", conv)
				m.ticket[id] = 1
				m.open[id] = true
				if pick%9 == 0 {
					h.mu.Lock()
					h.gone["conv:c:"+id] = true
					h.mu.Unlock()
				}
				e := entry(id, int64(11+pick%2), start.Add(at))
				h.env.SignalWorkflow(SignalEnqueue, e)
			case op <= 4: // an agent changes presence
				a := agents[pick%len(agents)]
				st := []Status{StatusReady, StatusReady, StatusNotReady, StatusOffline}[pick/7%4]
				h.status(AgentStatus{AgentID: a, Name: a, SkillGroups: groups[a], Capacity: capacity[a], Status: st}, nil)
			case op <= 6 && len(open) > 0: // the visitor leaves, or the chat closes
				id := open[pick%len(open)]
				m.open[id] = false
				h.env.SignalWorkflow(SignalLeave, Leave{ConversationID: id, Ticket: m.ticket[id]})
			case op <= 8 && len(open) > 0: // an agent transfers
				id := open[pick%len(open)]
				m.ticket[id]++
				e := entry(id, int64(11+pick%2), start.Add(at))
				e.Ticket = m.ticket[id]
				if pick%3 == 0 {
					e.TargetAgentID = agents[pick%len(agents)]
				}
				h.env.SignalWorkflow(SignalEnqueue, e)
			default: // an activity retry delivers a conversation's newest request again
				if len(open) > 0 {
					id := open[pick%len(open)]
					again := entry(id, 11, start)
					again.Ticket = m.ticket[id]
					h.env.SignalWorkflow(SignalEnqueue, again)
				}
			}
		})
		h.at(at+500*time.Millisecond, func() {
			seen = m.check(t, h, seen)
		})
	}
	h.run(State{TenantID: "demo"}, time.Duration(steps+2)*time.Second)
	require.NotEmpty(t, h.assigned, "the sequence exercised assignments")
}

func (m *model) openIDs() []string {
	var out []string
	for id, open := range m.open {
		if open {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// check verifies the invariants; seen is how many assignments it has already looked at.
func (m *model) check(t *testing.T, h *harness, seen int) int {
	q := h.queues()
	where := map[string]string{}
	place := func(id, p string) {
		require.NotContains(t, where, id, "%s is both %s and %s", id, where[id], p)
		where[id] = p
	}
	for _, e := range q.Waiting {
		place(e.ConversationID, "queued")
		require.Equal(t, m.ticket[e.ConversationID], e.Ticket, "the queue holds the newest request of %s", e.ConversationID)
	}
	for _, a := range q.Agents {
		for _, c := range a.Conversations {
			place(c.ConversationID, "held by "+a.ID)
		}
	}
	h.mu.Lock()
	gone := map[string]bool{}
	for w, g := range h.gone {
		gone[w] = g
	}
	fresh := slices.Clone(h.assigned[seen:])
	h.mu.Unlock()
	for _, asg := range fresh {
		if !m.open[asg.ConversationID] {
			m.handBack = append(m.handBack, Leave{ConversationID: asg.ConversationID, Ticket: asg.Ticket})
		}
	}
	handingBack := map[string]bool{}
	for _, l := range m.handBack {
		handingBack[l.ConversationID] = true
	}
	for id, open := range m.open {
		_, present := where[id]
		switch {
		case open && !gone["conv:c:"+id]:
			require.True(t, present, "%s was lost", id)
		case !open && present:
			require.True(t, handingBack[id] && where[id] != "queued", "%s left but is %s", id, where[id])
		}
	}
	for _, a := range q.Agents {
		require.LessOrEqual(t, len(a.Conversations), a.Capacity, "agent %s above capacity", a.ID)
		for _, e := range q.Waiting {
			require.False(t, a.canTake(e), "ready agent %s idles while %s waits", a.ID, e.ConversationID)
		}
	}
	for g, est := range q.Estimates {
		require.GreaterOrEqual(t, est, 0, "estimate of group %d", g)
	}
	positions := map[int64][]int{}
	for _, e := range q.Waiting {
		qi := h.queueInfo(e.WorkflowID)
		require.True(t, qi.Found)
		require.GreaterOrEqual(t, qi.TotalWaitTime, 0)
		require.GreaterOrEqual(t, qi.LongestWaitTime, qi.TotalWaitTime)
		positions[e.SkillGroupID] = append(positions[e.SkillGroupID], qi.Position)
	}
	for g, ps := range positions {
		for i, p := range ps {
			require.Equal(t, i+1, p, "positions in group %d", g)
		}
	}
	return seen + len(fresh)
}
