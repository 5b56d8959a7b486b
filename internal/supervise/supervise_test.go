package supervise

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func eachDB(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Helper()
	for _, name := range []string{"sqlite", "mysql"} {
		t.Run(name, func(t *testing.T) {
			var db *gorm.DB
			if name == "sqlite" {
				db = modelstest.SQLiteDB(t)
			} else {
				db = modelstest.MySQLDB(t)
			}
			_, err := models.SeedDemo(context.Background(), db)
			require.NoError(t, err)
			f(t, &Store{DB: db})
		})
	}
}

// conv is a conversation row with the given times as offsets from base.
type conv struct {
	id, tenant, phase, agent string
	group                    int64
	started                  time.Time
	queued, assigned, ended  *time.Time
	rating                   int
}

func at(t time.Time, d time.Duration) *time.Time {
	v := t.Add(d)
	return &v
}

func insert(t *testing.T, db *gorm.DB, cs ...conv) {
	t.Helper()
	for _, c := range cs {
		tenant := c.tenant
		if tenant == "" {
			tenant = models.DemoTenantID
		}
		row := models.Conversation{
			ID: c.id, WorkflowID: "conv:" + c.id, TenantID: tenant, ChannelConfigID: "ch", UserID: "u-" + c.id,
			UserName: "visitor " + c.id, Phase: c.phase, SkillGroupID: c.group, AgentID: c.agent,
			StartedAt: c.started, QueuedAt: c.queued, AssignedAt: c.assigned, EndedAt: c.ended,
			UpdatedAt: c.started, Settings: "{}",
		}
		if c.phase != phaseClosed {
			key := tenant + ":" + row.UserID // as the message log sets it while open
			row.OpenKey = &key
		}
		if c.phase == phaseClosed {
			row.ClosedAt = c.ended
			if row.ClosedAt == nil {
				row.ClosedAt = at(c.started, time.Hour)
			}
		}
		require.NoError(t, db.Create(&row).Error)
		if c.rating > 0 {
			require.NoError(t, db.Create(&models.SatisfactionRating{
				ConversationID: c.id, TenantID: tenant, ChannelConfigID: "ch", UserID: row.UserID, AgentID: c.agent,
				Evaluation: c.rating, CreatedAt: c.started,
			}).Error)
		}
	}
}

func fp(v float64) *float64 { return &v }

// reply writes an agent's message to a conversation at a time.
func reply(t *testing.T, db *gorm.DB, convID string, seq int64, at time.Time) {
	t.Helper()
	require.NoError(t, db.Create(&models.ChatRecord{
		TenantID: models.DemoTenantID, ConversationID: convID, UserID: "u-" + convID, Seq: seq, Direction: "to_visiter",
		SenderType: senderAgent, SenderID: "agent", MediaType: "TEXT", RCType: "RC:TxtMsg", Content: "hi",
		MessageCode: convID + "-" + strconv.FormatInt(seq, 10), CreatedAt: at,
	}).Error)
}

func TestReportFromKnownData(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		h := func(hours int) time.Time { return d.Add(time.Duration(hours) * time.Hour) }
		insert(t, s.DB,
			// Day one: two answered (waits 30 s and 90 s, handled 600 s and
			// 240 s, rated 5 and 3), one abandoned in the queue, one robot only.
			conv{id: "c1", phase: phaseClosed, agent: "agent1", group: 11, started: h(9), queued: at(h(9), 10*time.Second),
				assigned: at(h(9), 40*time.Second), ended: at(h(9), 640*time.Second), rating: 5},
			conv{id: "c2", phase: phaseClosed, agent: "agent2", group: 11, started: h(10), queued: at(h(10), 0),
				assigned: at(h(10), 90*time.Second), ended: at(h(10), 330*time.Second), rating: 3},
			conv{id: "c3", phase: phaseClosed, group: 12, started: h(11), queued: at(h(11), 0)},
			conv{id: "c4", phase: phaseClosed, started: h(12)},
			// Day two: one answered (wait 10 s, handled 100 s, rated 4).
			conv{id: "c5", phase: phaseClosed, agent: "agent1", group: 12, started: h(32), queued: at(h(32), 0),
				assigned: at(h(32), 10*time.Second), ended: at(h(32), 110*time.Second), rating: 4},
			// Outside: another tenant, and the second before the period.
			conv{id: "c6", tenant: "other", phase: phaseClosed, agent: "agent1", group: 11, started: h(9), queued: at(h(9), 0),
				assigned: at(h(9), 5*time.Second), ended: at(h(9), 9*time.Second), rating: 1},
			conv{id: "c7", phase: phaseClosed, group: 11, started: d.Add(-time.Second), queued: at(d, -time.Second)},
		)
		// First replies 15 s, 45 s and 5 s after the assignments; c2 had a
		// message of an earlier agent before it, which does not count.
		reply(t, s.DB, "c1", 1, h(9).Add(55*time.Second))
		reply(t, s.DB, "c1", 2, h(9).Add(200*time.Second))
		reply(t, s.DB, "c2", 1, h(10).Add(80*time.Second))
		reply(t, s.DB, "c2", 2, h(10).Add(135*time.Second))
		reply(t, s.DB, "c5", 1, h(32).Add(15*time.Second))
		from, to := d, d.Add(48*time.Hour)

		byDay, err := s.Report(ctx, models.DemoTenantID, ByDay, from, to)
		require.NoError(t, err)
		require.Equal(t, []ReportRow{
			{Key: "2026-11-30", Conversations: 4, Answered: 2, Abandoned: 1, AvgWaitSeconds: fp(60), AvgFirstResponseSeconds: fp(30), AvgHandleSeconds: fp(420),
				Ratings: 2, AvgRating: fp(4), RatingCounts: [5]int64{0, 0, 1, 0, 1},
				WaitP50Seconds: fp(30), WaitP90Seconds: fp(90), FirstResponseP50Seconds: fp(15), FirstResponseP90Seconds: fp(45)},
			{Key: "2026-12-01", Conversations: 1, Answered: 1, AvgWaitSeconds: fp(10), AvgFirstResponseSeconds: fp(5), AvgHandleSeconds: fp(100),
				Ratings: 1, AvgRating: fp(4), RatingCounts: [5]int64{0, 0, 0, 1, 0},
				WaitP50Seconds: fp(10), WaitP90Seconds: fp(10), FirstResponseP50Seconds: fp(5), FirstResponseP90Seconds: fp(5)},
		}, rounded(byDay.Rows))

		byGroup, err := s.Report(ctx, models.DemoTenantID, ByGroup, from, to)
		require.NoError(t, err)
		require.Equal(t, []ReportRow{
			{Key: "11", Name: "test1", Conversations: 2, Answered: 2, AvgWaitSeconds: fp(60), AvgFirstResponseSeconds: fp(30), AvgHandleSeconds: fp(420),
				Ratings: 2, AvgRating: fp(4), RatingCounts: [5]int64{0, 0, 1, 0, 1},
				WaitP50Seconds: fp(30), WaitP90Seconds: fp(90), FirstResponseP50Seconds: fp(15), FirstResponseP90Seconds: fp(45)},
			{Key: "12", Name: "多商戶分組1", Conversations: 2, Answered: 1, Abandoned: 1, AvgWaitSeconds: fp(10), AvgFirstResponseSeconds: fp(5), AvgHandleSeconds: fp(100),
				Ratings: 1, AvgRating: fp(4), RatingCounts: [5]int64{0, 0, 0, 1, 0},
				WaitP50Seconds: fp(10), WaitP90Seconds: fp(10), FirstResponseP50Seconds: fp(5), FirstResponseP90Seconds: fp(5)},
		}, rounded(byGroup.Rows))

		byAgent, err := s.Report(ctx, models.DemoTenantID, ByAgent, from, to)
		require.NoError(t, err)
		require.Equal(t, []ReportRow{
			{Key: "agent1", Name: "客服1号", Conversations: 2, Answered: 2, AvgWaitSeconds: fp(20), AvgFirstResponseSeconds: fp(10), AvgHandleSeconds: fp(350),
				Ratings: 2, AvgRating: fp(4.5), RatingCounts: [5]int64{0, 0, 0, 1, 1},
				WaitP50Seconds: fp(10), WaitP90Seconds: fp(30), FirstResponseP50Seconds: fp(5), FirstResponseP90Seconds: fp(15)},
			{Key: "agent2", Name: "客服2号", Conversations: 1, Answered: 1, AvgWaitSeconds: fp(90), AvgFirstResponseSeconds: fp(45), AvgHandleSeconds: fp(240),
				Ratings: 1, AvgRating: fp(3), RatingCounts: [5]int64{0, 0, 1, 0, 0},
				WaitP50Seconds: fp(90), WaitP90Seconds: fp(90), FirstResponseP50Seconds: fp(45), FirstResponseP90Seconds: fp(45)},
		}, rounded(byAgent.Rows))

		empty, err := s.Report(ctx, models.DemoTenantID, ByDay, to, to.Add(24*time.Hour))
		require.NoError(t, err)
		require.Empty(t, empty.Rows, "a day without conversations has no row")

		_, err = s.Report(ctx, models.DemoTenantID, ByDay, to, from)
		require.ErrorIs(t, err, ErrBadPeriod)
		_, err = s.Report(ctx, models.DemoTenantID, ByDay, from, from.Add((MaxReportDays+1)*24*time.Hour))
		require.ErrorIs(t, err, ErrBadPeriod)
	})
}

// TestPercentileIsANearestRank pins what p50 and p90 mean on the page: a
// time that happened, which that share of conversations did not exceed.
func TestPercentileIsANearestRank(t *testing.T) {
	require.Nil(t, Percentile(nil, 50), "no times, no percentile")
	ten := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	require.Equal(t, fp(5), Percentile(ten, 50))
	require.Equal(t, fp(9), Percentile(ten, 90))
	require.Equal(t, fp(10), Percentile(ten, 100))
	require.Equal(t, fp(7), Percentile([]float64{7}, 90))
	require.Equal(t, fp(30), Percentile([]float64{90, 30}, 50), "the lower of two for the median")
	require.Equal(t, fp(90), Percentile([]float64{90, 30}, 90))
}

// rounded rounds averages to milliseconds: the databases compute them in
// floating point (SQLite's julianday has millisecond precision).
func rounded(rows []ReportRow) []ReportRow {
	r := func(p *float64) *float64 {
		if p == nil {
			return nil
		}
		v := float64(int64(*p*1000+0.5)) / 1000
		return &v
	}
	for i := range rows {
		rows[i].AvgWaitSeconds, rows[i].AvgHandleSeconds, rows[i].AvgRating = r(rows[i].AvgWaitSeconds), r(rows[i].AvgHandleSeconds), r(rows[i].AvgRating)
		rows[i].AvgFirstResponseSeconds = r(rows[i].AvgFirstResponseSeconds)
		rows[i].WaitP50Seconds, rows[i].WaitP90Seconds = r(rows[i].WaitP50Seconds), r(rows[i].WaitP90Seconds)
		rows[i].FirstResponseP50Seconds, rows[i].FirstResponseP90Seconds = r(rows[i].FirstResponseP50Seconds), r(rows[i].FirstResponseP90Seconds)
	}
	return rows
}

func TestLiveView(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		insert(t, s.DB,
			conv{id: "q1", phase: phaseQueued, group: 11, started: now.Add(-3 * time.Minute), queued: at(now, -120*time.Second)},
			conv{id: "q2", phase: phaseQueued, group: 11, started: now.Add(-time.Minute), queued: at(now, -30*time.Second)},
			conv{id: "a1", phase: phaseAgent, group: 12, agent: "agent1", started: now.Add(-10 * time.Minute),
				queued: at(now, -300*time.Second), assigned: at(now, -280*time.Second)},
			conv{id: "r1", phase: "ROBOT", started: now.Add(-90 * time.Second)},
			conv{id: "done", phase: phaseClosed, group: 11, agent: "agent2", started: now.Add(-time.Hour)},
			conv{id: "elsewhere", tenant: "other", phase: phaseQueued, group: 11, started: now, queued: at(now, -time.Hour)},
		)
		require.NoError(t, s.DB.Create(&models.AgentFeed{AgentID: "agent1", TenantID: models.DemoTenantID, Status: "READY", LastSeen: &now}).Error)

		v, err := s.Live(ctx, models.DemoTenantID, now)
		require.NoError(t, err)
		var ids []string
		waits := map[string]int{}
		for _, c := range v.Conversations {
			ids = append(ids, c.ID)
			waits[c.ID] = c.WaitSeconds
		}
		require.Equal(t, []string{"a1", "q1", "r1", "q2"}, ids, "the tenant's open conversations, oldest first")
		require.Equal(t, map[string]int{"a1": 20, "q1": 120, "q2": 30, "r1": 0}, waits)
		require.False(t, v.Truncated)
		require.Equal(t, []GroupQueue{
			{ID: 11, Name: "test1", Waiting: 2, LongestWaitSeconds: 120, ReadyAgents: 1},
			{ID: 12, Name: "多商戶分組1", Serving: 1, ReadyAgents: 1},
		}, v.Groups)
		require.Len(t, v.Agents, 2)
		require.Equal(t, "agent1", v.Agents[0].ID)
		require.Equal(t, "READY", v.Agents[0].Status)
		require.Equal(t, 1, v.Agents[0].Load)
		require.Equal(t, []int64{11, 12}, v.Agents[0].SkillGroups)
		require.Equal(t, "OFFLINE", v.Agents[1].Status, "an agent who never logged in")
		require.Equal(t, 0, v.Agents[1].Load, "a closed conversation is no load")

		cs, err := s.Colleagues(ctx, models.DemoTenantID)
		require.NoError(t, err)
		require.Len(t, cs, 2)
		require.Equal(t, "agent1", cs[0].ID)
		require.Equal(t, 1, cs[0].Load, "load counted without the live list")
		require.Equal(t, "READY", cs[0].Status)
		require.NoError(t, s.DB.Model(&models.Agent{}).Where("id = ?", "agent2").Update("disabled", true).Error)
		cs, err = s.Colleagues(ctx, models.DemoTenantID)
		require.NoError(t, err)
		require.Len(t, cs, 1, "no transfers to a disabled agent")
		v, err = s.Live(ctx, models.DemoTenantID, now)
		require.NoError(t, err)
		require.Len(t, v.Agents, 2, "the supervisor still sees a disabled agent")
		require.True(t, v.Agents[1].Disabled)
	})
}

func TestWhisperGoesToTheServingAgentOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		insert(t, s.DB,
			conv{id: "served", phase: phaseAgent, group: 11, agent: "agent1", started: now, queued: at(now, 0), assigned: at(now, time.Second)},
			conv{id: "waiting", phase: phaseQueued, group: 11, started: now, queued: at(now, 0)},
			conv{id: "done", phase: phaseClosed, group: 11, agent: "agent1", started: now.Add(-time.Hour)},
			conv{id: "theirs", tenant: "other", phase: phaseAgent, group: 11, agent: "agent9", started: now},
		)
		n, err := s.Whisper(ctx, models.DemoTenantID, "served", "agent2", "客服2号", "  先核实订单号  ")
		require.NoError(t, err)
		require.Equal(t, "agent1", n.AgentID, "for the agent serving it")
		require.Equal(t, "先核实订单号", n.Content)
		got, err := s.Note(ctx, "agent1", n.ID)
		require.NoError(t, err)
		require.Equal(t, "客服2号", got.FromName)
		list, err := s.Notes(ctx, "agent1", "served")
		require.NoError(t, err)
		require.Len(t, list, 1)
		list, err = s.Notes(ctx, "agent2", "served")
		require.NoError(t, err)
		require.Empty(t, list, "only the agent it was for")
		_, err = s.Note(ctx, "agent2", n.ID)
		require.ErrorIs(t, err, ErrNoNote, "nobody else reads it")

		for id, want := range map[string]error{"waiting": ErrNotServed, "done": ErrNotServed, "theirs": ErrNoConversation, "nope": ErrNoConversation} {
			_, err := s.Whisper(ctx, models.DemoTenantID, id, "agent2", "客服2号", "hello")
			require.ErrorIs(t, err, want, id)
		}
		_, err = s.Whisper(ctx, models.DemoTenantID, "served", "agent2", "客服2号", " ")
		require.ErrorIs(t, err, ErrBadNote)
		var count int64
		require.NoError(t, s.DB.Model(&models.SupervisorNote{}).Count(&count).Error)
		require.EqualValues(t, 1, count, "a refused whisper stores nothing")
	})
}
