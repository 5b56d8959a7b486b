package duration

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Durations are written readable and read in both forms (issue 11).
func TestReadable(t *testing.T) {
	raw, err := json.Marshal(Readable(5 * time.Minute))
	require.NoError(t, err)
	require.Equal(t, `"5m0s"`, string(raw))
	var d Readable
	require.NoError(t, json.Unmarshal([]byte(`"1h30m"`), &d))
	require.Equal(t, 90*time.Minute, time.Duration(d))
	require.NoError(t, json.Unmarshal([]byte(`300000000000`), &d), "histories written before")
	require.Equal(t, 5*time.Minute, time.Duration(d))
	require.Error(t, json.Unmarshal([]byte(`"soon"`), &d))
	require.Error(t, json.Unmarshal([]byte(`true`), &d))
}
