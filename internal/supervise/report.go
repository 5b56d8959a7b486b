package supervise

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/ccflow/ccflow/models"
)

// Dimension is what a report's rows are: days, skill groups or agents.
type Dimension string

// The report dimensions.
const (
	ByDay   Dimension = "day"
	ByGroup Dimension = "group"
	ByAgent Dimension = "agent"
)

// MaxReportDays bounds a report's period, so one request cannot scan a
// tenant's whole history.
const MaxReportDays = 92

// ErrBadPeriod is a report period that is empty, reversed or too long.
var ErrBadPeriod = errors.New("the period must run forward, at most " + strconv.Itoa(MaxReportDays) + " days")

// ReportRow is one day, skill group or agent of a report. Conversations are
// counted by the day they started; the figures are:
//   - Answered: an agent was assigned.
//   - Abandoned: the conversation closed while it waited in a queue, never
//     served (the visitor left, or the wait ended the conversation).
//   - AvgWaitSeconds: from entering the queue to the agent's assignment, over
//     answered conversations (the last wait, after a transfer).
//   - AvgFirstResponseSeconds: from the assignment to the agent's first
//     message after it, over answered conversations the agent wrote in.
//   - Wait and FirstResponse P50/P90: the same times' 50th and 90th
//     percentiles (nearest rank: the smallest time at least that share of
//     the conversations did not exceed), computed in Go from the times the
//     SQL returns, since SQLite has no percentile function and MariaDB's
//     PERCENTILE_CONT is a window function; nil when there is no time.
//   - AvgHandleSeconds: from the assignment to the end of the service.
//   - Ratings, AvgRating and RatingCounts (index 0 is 1 star): the visitors'
//     satisfaction ratings.
type ReportRow struct {
	Key                     string
	Name                    string
	Conversations           int64
	Answered                int64
	Abandoned               int64
	AvgWaitSeconds          *float64
	AvgFirstResponseSeconds *float64
	AvgHandleSeconds        *float64
	Ratings                 int64
	AvgRating               *float64
	RatingCounts            [5]int64
	WaitP50Seconds          *float64
	WaitP90Seconds          *float64
	FirstResponseP50Seconds *float64
	FirstResponseP90Seconds *float64
}

// Report is a tenant's figures over [From, To), UTC, one row per key.
type Report struct {
	By   Dimension
	From time.Time
	To   time.Time
	Rows []ReportRow
}

type reportScan struct {
	K          string
	Convs      int64
	Answered   int64
	Abandoned  int64
	AvgWait    *float64
	AvgFirst   *float64
	AvgHandle  *float64
	Ratings    int64
	AvgRating  *float64
	R1, R2, R3 int64
	R4, R5     int64
}

// Report computes the tenant's figures per day, skill group or agent for
// the conversations started in [from, to), in one SQL query over the log.
func (s *Store) Report(ctx context.Context, tenantID string, by Dimension, from, to time.Time) (Report, error) {
	from, to = from.UTC(), to.UTC()
	out := Report{By: by, From: from, To: to, Rows: []ReportRow{}}
	if !to.After(from) || to.Sub(from) > MaxReportDays*24*time.Hour {
		return out, ErrBadPeriod
	}
	mysql := s.DB.Dialector.Name() == models.DriverMySQL
	diff := func(a, b string) string {
		if mysql {
			return "TIMESTAMPDIFF(MICROSECOND, " + a + ", " + b + ") / 1000000.0"
		}
		return "(julianday(" + b + ") - julianday(" + a + ")) * 86400.0"
	}
	// The agent's first message since the (last) assignment; NULL when
	// there is none, which AVG leaves out. The chat records' (conversation,
	// seq) index finds a conversation's records.
	const firstReply = "(SELECT MIN(m.created_at) FROM chat_records m WHERE m.conversation_id = c.id" +
		" AND m.sender_type = '" + senderAgent + "' AND m.created_at >= c.assigned_at)"
	var key, filter string
	switch by {
	case ByDay:
		key = "strftime('%Y-%m-%d', c.started_at)"
		if mysql {
			key = "DATE_FORMAT(c.started_at, '%Y-%m-%d')"
		}
	case ByGroup:
		key, filter = "c.skill_group_id", " AND c.skill_group_id > 0"
	case ByAgent:
		key, filter = "c.agent_id", " AND c.agent_id <> ''"
	default:
		return out, fmt.Errorf("report by %q: want day, group or agent", by)
	}
	q := "SELECT " + key + " AS k, COUNT(*) AS convs," +
		" SUM(CASE WHEN c.assigned_at IS NOT NULL THEN 1 ELSE 0 END) AS answered," +
		" SUM(CASE WHEN c.queued_at IS NOT NULL AND c.assigned_at IS NULL AND c.phase = '" + phaseClosed + "' THEN 1 ELSE 0 END) AS abandoned," +
		" AVG(CASE WHEN c.assigned_at IS NOT NULL AND c.queued_at IS NOT NULL THEN " + diff("c.queued_at", "c.assigned_at") + " END) AS avg_wait," +
		" AVG(CASE WHEN c.assigned_at IS NOT NULL THEN " + diff("c.assigned_at", firstReply) + " END) AS avg_first," +
		" AVG(CASE WHEN c.assigned_at IS NOT NULL AND c.ended_at IS NOT NULL THEN " + diff("c.assigned_at", "c.ended_at") + " END) AS avg_handle," +
		" COUNT(r.conversation_id) AS ratings, AVG(r.evaluation) AS avg_rating," +
		" SUM(CASE WHEN r.evaluation = 1 THEN 1 ELSE 0 END) AS r1, SUM(CASE WHEN r.evaluation = 2 THEN 1 ELSE 0 END) AS r2," +
		" SUM(CASE WHEN r.evaluation = 3 THEN 1 ELSE 0 END) AS r3, SUM(CASE WHEN r.evaluation = 4 THEN 1 ELSE 0 END) AS r4," +
		" SUM(CASE WHEN r.evaluation = 5 THEN 1 ELSE 0 END) AS r5" +
		" FROM conversations c LEFT JOIN satisfaction_ratings r ON r.conversation_id = c.id" +
		" WHERE c.tenant_id = ? AND c.started_at >= ? AND c.started_at < ?" + filter +
		" GROUP BY " + key + " ORDER BY " + key
	var rows []reportScan
	if err := s.DB.WithContext(ctx).Raw(q, tenantID, from, to).Scan(&rows).Error; err != nil {
		return out, fmt.Errorf("report of %q by %s: %w", tenantID, by, err)
	}
	// The answered conversations' times, one row each, for the percentiles.
	tq := "SELECT " + key + " AS k," +
		" CASE WHEN c.queued_at IS NOT NULL THEN " + diff("c.queued_at", "c.assigned_at") + " END AS wait," +
		" " + diff("c.assigned_at", firstReply) + " AS first" +
		" FROM conversations c WHERE c.tenant_id = ? AND c.started_at >= ? AND c.started_at < ?" + filter +
		" AND c.assigned_at IS NOT NULL"
	var times []timesScan
	if err := s.DB.WithContext(ctx).Raw(tq, tenantID, from, to).Scan(&times).Error; err != nil {
		return out, fmt.Errorf("report times of %q by %s: %w", tenantID, by, err)
	}
	waits, firsts := map[string][]float64{}, map[string][]float64{}
	for _, t := range times {
		if t.Wait != nil {
			waits[t.K] = append(waits[t.K], *t.Wait)
		}
		if t.First != nil {
			firsts[t.K] = append(firsts[t.K], *t.First)
		}
	}
	names, err := s.names(ctx, tenantID, by)
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		out.Rows = append(out.Rows, ReportRow{
			Key: r.K, Name: names[r.K], Conversations: r.Convs, Answered: r.Answered, Abandoned: r.Abandoned,
			AvgWaitSeconds: millis(r.AvgWait), AvgFirstResponseSeconds: millis(r.AvgFirst), AvgHandleSeconds: millis(r.AvgHandle), Ratings: r.Ratings, AvgRating: millis(r.AvgRating),
			RatingCounts:   [5]int64{r.R1, r.R2, r.R3, r.R4, r.R5},
			WaitP50Seconds: Percentile(waits[r.K], 50), WaitP90Seconds: Percentile(waits[r.K], 90),
			FirstResponseP50Seconds: Percentile(firsts[r.K], 50), FirstResponseP90Seconds: Percentile(firsts[r.K], 90),
		})
	}
	return out, nil
}

type timesScan struct {
	K     string
	Wait  *float64
	First *float64
}

// Percentile is the p-th percentile (0 < p <= 100) of the times by nearest
// rank: the smallest time that at least p % of them do not exceed, so it is
// always a time that happened. Nil for no times. It sorts times in place.
func Percentile(times []float64, p int) *float64 {
	if len(times) == 0 {
		return nil
	}
	sort.Float64s(times)
	rank := (p*len(times) + 99) / 100 // ceil(p/100 * n), in integers
	if rank < 1 {
		rank = 1
	}
	if rank > len(times) {
		rank = len(times)
	}
	return millis(&times[rank-1])
}

// names maps a report's keys to what people call them: skill group and
// agent names (days are their own names).
func (s *Store) names(ctx context.Context, tenantID string, by Dimension) (map[string]string, error) {
	out := map[string]string{}
	db := s.DB.WithContext(ctx)
	switch by {
	case ByGroup:
		var groups []models.SkillGroup
		if err := db.Where("tenant_id = ?", tenantID).Find(&groups).Error; err != nil {
			return nil, fmt.Errorf("skill groups of %q: %w", tenantID, err)
		}
		for _, g := range groups {
			out[strconv.FormatInt(g.ID, 10)] = g.Name
		}
	case ByAgent:
		var agents []models.Agent
		if err := db.Select("id", "nickname").Where("tenant_id = ?", tenantID).Find(&agents).Error; err != nil {
			return nil, fmt.Errorf("agents of %q: %w", tenantID, err)
		}
		for _, a := range agents {
			out[a.ID] = a.Nickname
		}
	}
	return out, nil
}

// millis rounds an average to three decimals: SQLite's julianday carries
// float noise (29.99999821 for 30 s), and times are kept to milliseconds.
func millis(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := math.Round(*p*1000) / 1000
	return &v
}
