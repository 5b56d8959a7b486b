package routing

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSearchAttributeValuesFitTemporalsLimit: with hundreds of agents
// READY, the agents' list still fits the 2 KiB Temporal takes in one search
// attribute value (beyond it the workflow task fails and routing stops).
func TestSearchAttributeValuesFitTemporalsLimit(t *testing.T) {
	r := &router{}
	for i := range 400 {
		r.Agents = append(r.Agents, Agent{ID: fmt.Sprintf("bench-agent-%03d", i), Status: StatusReady, SkillGroups: []int64{11}})
	}
	groups, agents := r.indexValues()
	require.Equal(t, []string{"11"}, groups)
	encoded, err := json.Marshal(agents)
	require.NoError(t, err)
	require.LessOrEqual(t, len(encoded), 2048)
	require.NotEmpty(t, agents)
	require.Equal(t, "bench-agent-000", agents[0], "the first agents in order are kept")

	few := []string{"a1", "a2"}
	require.Equal(t, few, fitValue(few), "a short list is kept whole")
}
