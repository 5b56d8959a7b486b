package conversation

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A conversation's input shows its timeouts readably in Temporal UI, and
// inputs written before (nanoseconds) still decode (issue 11).
func TestChannelDurationsAreReadable(t *testing.T) {
	ch := Channel{ID: "ch", RobotEnabled: true, MaxQueueWait: 5 * time.Minute, RobotIdle: 10 * time.Minute,
		AgentIdle: 15 * time.Minute, SatisfactionWait: 2 * time.Minute, PushEndpoints: []uint64{1}}
	raw, err := json.Marshal(ch)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"MaxQueueWait":"5m0s"`)
	require.Contains(t, string(raw), `"QueueIdle":"0s"`)
	var back Channel
	require.NoError(t, json.Unmarshal(raw, &back))
	require.Equal(t, ch, back)
	require.NoError(t, json.Unmarshal([]byte(`{"ID":"ch","MaxQueueWait":300000000000,"SatisfactionWait":120000000000}`), &back))
	require.Equal(t, 5*time.Minute, back.MaxQueueWait)
	require.Equal(t, 2*time.Minute, back.SatisfactionWait)
}
