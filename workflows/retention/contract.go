// Package retention is the file retention workflow (issue 13): a Temporal
// schedule starts it every hour, and it deletes the files each tenant's
// retention period has passed, in bounded batches by an activity.
package retention

// Names of the workflow, its schedule and its activity.
const (
	WorkflowName = "FileRetention"
	// ScheduleID is the schedule Temporal UI lists under Schedules.
	ScheduleID = "file-retention"
	// WorkflowID is the ID of each run the schedule starts (Temporal adds the time).
	WorkflowID   = "file-retention"
	ActivityName = "RemoveExpiredFiles"
)

// Batch is one activity's outcome: how many files it removed, and whether
// some tenant has more expired files than one batch takes.
type Batch struct {
	Removed int
	More    bool
}
