package conversation

import (
	"encoding/json"
	"time"

	"github.com/ccflow/ccflow/workflows/internal/duration"
)

// channelJSON is Channel as JSON: its durations readable in Temporal UI
// ("5m0s", not nanoseconds). The outer fields shadow the embedded ones.
type channelJSON struct {
	plainChannel
	MaxQueueWait     duration.Readable
	RobotIdle        duration.Readable
	QueueIdle        duration.Readable
	AgentIdle        duration.Readable
	SatisfactionWait duration.Readable
}

type plainChannel Channel

// MarshalJSON writes the channel with readable durations.
func (c Channel) MarshalJSON() ([]byte, error) {
	return json.Marshal(channelJSON{
		plainChannel: plainChannel(c), MaxQueueWait: duration.Readable(c.MaxQueueWait), RobotIdle: duration.Readable(c.RobotIdle),
		QueueIdle: duration.Readable(c.QueueIdle), AgentIdle: duration.Readable(c.AgentIdle), SatisfactionWait: duration.Readable(c.SatisfactionWait),
	})
}

// UnmarshalJSON reads durations as strings or, as written before, nanoseconds.
func (c *Channel) UnmarshalJSON(b []byte) error {
	var j channelJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Channel(j.plainChannel)
	c.MaxQueueWait, c.RobotIdle, c.QueueIdle = time.Duration(j.MaxQueueWait), time.Duration(j.RobotIdle), time.Duration(j.QueueIdle)
	c.AgentIdle, c.SatisfactionWait = time.Duration(j.AgentIdle), time.Duration(j.SatisfactionWait)
	return nil
}
