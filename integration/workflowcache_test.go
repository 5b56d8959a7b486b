package integration

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConversationsOutliveTheWorkflowCache runs an all-in-one whose worker
// keeps only two workflows in memory (CCFLOW_WORKFLOW_CACHE_SIZE) while
// three conversations are open at once (the demo skill group's three
// slots): each goes through its agent's arrival, messages both ways and the
// close as usual, its workflow replayed from history whenever it was
// evicted, and a goroutine dump shows that no more than two were held.
func TestConversationsOutliveTheWorkflowCache(t *testing.T) {
	n := newNode(t)
	env := n.env()
	env["CCFLOW_WORKFLOW_CACHE_SIZE"] = "2"
	pprof := "127.0.0.1:" + strconv.Itoa(freePort(t))
	env["CCFLOW_PPROF_ADDR"] = pprof
	p := start(t, env)
	base := n.url()
	waitReady(t, p, base)

	agents := []*agent{loginAgent(t, base, "agent1", "agent1-pass"), loginAgent(t, base, "agent2", "agent2-pass")}
	for _, a := range agents {
		a.setStatus("READY")
	}
	visitors := make([]*visitor, 3)
	servedBy := make([]*agent, 3)
	convs := make([]string, 3)
	for i := range visitors {
		v := newVisitor(t, base, fmt.Sprintf("cache-user-%d", i))
		require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
		v.waitGreeting()
		require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
		visitors[i] = v
	}
	for _, v := range visitors {
		v.waitDownlink("an agent connected", "SYSTEM", "已接通座席。")
	}
	// Who serves whom, from the agents' feeds.
	eventually(t, 30*time.Second, "every assignment reached its agent's feed", func() error {
		for _, a := range agents {
			for _, e := range a.events(1) {
				if e.Type != "assigned" || e.Conversation == nil {
					continue
				}
				for i, v := range visitors {
					if e.Conversation.UserID == v.id {
						servedBy[i], convs[i] = a, e.ConversationID
					}
				}
			}
		}
		for i := range visitors {
			if servedBy[i] == nil {
				return fmt.Errorf("visitor %d: %w", i, errNotYet)
			}
		}
		return nil
	})
	for i, v := range visitors {
		require.Equal(t, "0", v.send("CHAT", fmt.Sprintf("question %d", i)).ResultCode)
		require.Equal(t, http.StatusOK, servedBy[i].say(convs[i], fmt.Sprintf("answer %d", i)))
		v.waitDownlink("the agent's answer", "AGENT", fmt.Sprintf("answer %d", i))
	}
	// Three conversations are open, at most two of them in memory.
	// (An evicted workflow's coroutines end just after its eviction.)
	eventually(t, 10*time.Second, "at most two conversations in memory", func() error {
		if n := cachedConversations(t, pprof); n > 2 {
			return fmt.Errorf("%d cached: %w", n, errNotYet)
		}
		return nil
	})

	for i, v := range visitors {
		code, _ := servedBy[i].do(http.MethodPost, "/conversations/"+convs[i]+"/close", nil)
		require.Equal(t, http.StatusOK, code)
		v.waitDownlink("the rating request", "SYSTEM", "请为本次服务评分（1-5 分）。")
	}
}

// cachedConversations counts the conversation workflows the process holds
// in memory, by their listening coroutines in a goroutine dump.
func cachedConversations(t testing.TB, pprofAddr string) int {
	t.Helper()
	ans := rawRequest(t, http.MethodGet, "http://"+pprofAddr+"/debug/pprof/goroutine?debug=2", nil, nil)
	require.Equal(t, http.StatusOK, ans.status)
	return strings.Count(string(ans.body), "workflows/conversation.(*conv).listen(")
}
