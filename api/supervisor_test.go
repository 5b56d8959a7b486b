package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

func TestSupervisorViewNeedsTheRoleAndTheRoleCountsAtOnce(t *testing.T) {
	e := newSessionEnv(t)
	tok := e.login("agent1", "agent1-pass")
	h := map[string]string{"Authorization": "Bearer " + tok}
	requireAgentError(t, serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/live", "", h), http.StatusForbidden, "forbidden", "supervisor role")
	requireAgentError(t, serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/reports", "", h), http.StatusForbidden, "forbidden", "supervisor role")
	requireAgentError(t, serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/live", "", nil), http.StatusUnauthorized, "unauthorized", "")
	requireAgentError(t, serve(e.router, http.MethodPost, "/api/agent/v1/supervisor/conversations/c1/whisper", `{"content":"hi"}`, h),
		http.StatusForbidden, "forbidden", "supervisor role")

	got := e.ok(http.StatusOK, http.MethodPut, "/agents/agent1", `{"role":"supervisor"}`)
	require.Equal(t, "supervisor", got["role"])
	require.Equal(t, http.StatusOK, serve(e.other, http.MethodGet, "/api/agent/v1/supervisor/live", "", h).Code,
		"granted: the same session, on another replica, at once")

	requireAgentError(t, serve(e.other, http.MethodPost, "/api/agent/v1/supervisor/conversations/c1/whisper", `{"content":""}`, h),
		http.StatusBadRequest, "bad_request", "")
	e.ok(http.StatusOK, http.MethodPut, "/agents/agent1", `{"role":"agent"}`)
	requireAgentError(t, serve(e.other, http.MethodGet, "/api/agent/v1/supervisor/live", "", h), http.StatusForbidden, "forbidden", "supervisor role")

	w := e.call(http.MethodPut, "/agents/agent1", `{"role":"root"}`)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), "role must be")
}

func TestSupervisorLiveViewAndReports(t *testing.T) {
	e := newSessionEnv(t)
	e.ok(http.StatusOK, http.MethodPut, "/agents/agent2", `{"role":"supervisor"}`)
	h := map[string]string{"Authorization": "Bearer " + e.login("agent2", "agent2-pass")}

	now := time.Now().UTC()
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ptr := func(t time.Time) *time.Time { return &t }
	rows := []models.Conversation{
		{ID: "waiting", Phase: "QUEUED", SkillGroupID: 11, UserName: "=HYPERLINK(1)", StartedAt: now.Add(-time.Minute), QueuedAt: ptr(now.Add(-45 * time.Second))},
		{ID: "served", Phase: "AGENT", SkillGroupID: 12, AgentID: "agent1", AgentName: "客服1号", StartedAt: day, QueuedAt: ptr(day),
			AssignedAt: ptr(day.Add(30 * time.Second)), EndedAt: ptr(day.Add(330 * time.Second))},
		{ID: "elsewhere", TenantID: "other", Phase: "QUEUED", SkillGroupID: 11, StartedAt: now, QueuedAt: ptr(now)},
	}
	for _, r := range rows {
		if r.TenantID == "" {
			r.TenantID = models.DemoTenantID
		}
		r.WorkflowID, r.ChannelConfigID, r.UserID, r.UpdatedAt, r.Settings = "conv:"+r.ID, "ch", "u-"+r.ID, now, "{}"
		key := "ch:" + r.UserID // open, as the message log marks it
		r.OpenKey = &key
		require.NoError(t, e.db.Create(&r).Error)
	}

	w := serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/live", "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var live struct {
		Conversations []struct {
			ID          string `json:"id"`
			Phase       string `json:"phase"`
			WaitSeconds int    `json:"waitSeconds"`
		} `json:"conversations"`
		SkillGroups []struct {
			ID      int64 `json:"id"`
			Waiting int   `json:"waiting"`
			Serving int   `json:"serving"`
		} `json:"skillGroups"`
		Agents []struct {
			ID       string `json:"id"`
			Load     int    `json:"load"`
			Capacity int    `json:"capacity"`
			Status   string `json:"status"`
		} `json:"agents"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &live))
	require.Len(t, live.Conversations, 2, "the tenant's own only")
	require.Equal(t, "served", live.Conversations[0].ID)
	require.Equal(t, 30, live.Conversations[0].WaitSeconds)
	require.Equal(t, "waiting", live.Conversations[1].ID)
	require.InDelta(t, 45, live.Conversations[1].WaitSeconds, 5)
	require.Equal(t, 1, live.SkillGroups[0].Waiting)
	require.Equal(t, 1, live.SkillGroups[1].Serving)
	require.Equal(t, "agent1", live.Agents[0].ID)
	require.Equal(t, 1, live.Agents[0].Load)
	require.Equal(t, "OFFLINE", live.Agents[0].Status)

	w = serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/reports?by=agent&from=2026-11-30&to=2026-11-30", "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"by":"agent","from":"2026-11-30","to":"2026-11-30","rows":[{"key":"agent1","name":"客服1号",
		"conversations":1,"answered":1,"abandoned":0,"avgWaitSeconds":30,"avgFirstResponseSeconds":null,"avgHandleSeconds":300,"ratings":0,"avgRating":null,
		"ratingCounts":[0,0,0,0,0],"waitP50Seconds":30,"waitP90Seconds":30,"firstResponseP50Seconds":null,"firstResponseP90Seconds":null}]}`, w.Body.String())

	w = serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/reports?by=group&from=2026-11-29&to=2026-11-30&format=csv", "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	require.Contains(t, w.Header().Get("Content-Disposition"), `filename="ccflow-report-group-2026-11-29-2026-11-30.csv"`)
	require.Equal(t, "group,name,conversations,answered,abandoned,avg_wait_seconds,avg_first_response_seconds,avg_handle_seconds,ratings,avg_rating,rating_1,rating_2,rating_3,rating_4,rating_5,"+
		"wait_p50_seconds,wait_p90_seconds,first_response_p50_seconds,first_response_p90_seconds\n"+
		"12,多商戶分組1,1,1,0,30.0,,300.0,0,,0,0,0,0,0,30.0,30.0,,\n", w.Body.String())

	today := now.Format(dayLayout)
	w = serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/reports?format=csv", "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), "\n"+today+",,1,0,0,,,,0,,", "today by day by default")

	for q, msg := range map[string]string{
		"by=week":                          "by must be day, group or agent",
		"format=xml":                       "format must be json or csv",
		"from=30.11.2026":                  "from must be a day",
		"from=2026-11-30&to=tomorrow":      "to must be a day",
		"from=2026-12-01&to=2026-11-30":    "from must not be after to",
		"from=2026-01-01&to=2026-12-31":    "at most 92 days",
		"from=2026-11-30&to=2026-11-30%00": "to must be a day",
	} {
		requireAgentError(t, serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/reports?"+q, "", h), http.StatusBadRequest, "bad_request", msg)
	}
}

func TestColleaguesForATransfer(t *testing.T) {
	e := newSessionEnv(t)
	h := map[string]string{"Authorization": "Bearer " + e.login("agent1", "agent1-pass")}
	w := serve(e.router, http.MethodGet, "/api/agent/v1/colleagues", "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"agents":[{"id":"agent2","name":"客服2号","username":"agent2","status":"OFFLINE","load":0,"capacity":3,"skillGroups":[12]}]}`,
		w.Body.String(), "any agent, not only supervisors; never themselves")
	e.ok(http.StatusOK, http.MethodPut, "/agents/agent2", `{"disabled":true}`)
	w = serve(e.router, http.MethodGet, "/api/agent/v1/colleagues", "", h)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"agents":[]}`, w.Body.String(), "no transfers to a disabled agent")
}

// TestTakeOverRefusesWhatItCannotTake checks the take-over's refusals that
// need no workflow: the role, an unknown conversation, another tenant's, one
// that waits, and one the supervisor already serves; each changes nothing.
// The transfer itself is in the browser test (integration).
func TestTakeOverRefusesWhatItCannotTake(t *testing.T) {
	e := newSessionEnv(t)
	agent := map[string]string{"Authorization": "Bearer " + e.login("agent1", "agent1-pass")}
	requireAgentError(t, serve(e.router, http.MethodPost, "/api/agent/v1/supervisor/conversations/served/take-over", "", agent),
		http.StatusForbidden, "forbidden", "supervisor role")
	requireAgentError(t, serve(e.router, http.MethodGet, "/api/agent/v1/supervisor/estimates", "", agent),
		http.StatusForbidden, "forbidden", "supervisor role")

	e.ok(http.StatusOK, http.MethodPut, "/agents/agent2", `{"role":"supervisor"}`)
	h := map[string]string{"Authorization": "Bearer " + e.login("agent2", "agent2-pass")}
	now := time.Now().UTC()
	for _, r := range []models.Conversation{
		{ID: "waiting", TenantID: models.DemoTenantID, Phase: "QUEUED", SkillGroupID: 11, QueuedAt: &now},
		{ID: "closed", TenantID: models.DemoTenantID, Phase: "CLOSED", AgentID: "agent1", SkillGroupID: 11},
		{ID: "mine", TenantID: models.DemoTenantID, Phase: "AGENT", AgentID: "agent2", SkillGroupID: 11},
		{ID: "theirs", TenantID: "other", Phase: "AGENT", AgentID: "agent9", SkillGroupID: 11},
	} {
		r.WorkflowID, r.ChannelConfigID, r.UserID, r.StartedAt, r.UpdatedAt, r.Settings = "conv:"+r.ID, "ch", "u-"+r.ID, now, now, "{}"
		require.NoError(t, e.db.Create(&r).Error)
	}
	take := func(id string) *httptest.ResponseRecorder {
		return serve(e.router, http.MethodPost, "/api/agent/v1/supervisor/conversations/"+id+"/take-over", "", h)
	}
	requireAgentError(t, take("nobody"), http.StatusNotFound, "not_found", "")
	requireAgentError(t, take("theirs"), http.StatusForbidden, "forbidden", "another tenant")
	requireAgentError(t, take("waiting"), http.StatusConflict, "conflict", "no agent serves this conversation")
	requireAgentError(t, take("closed"), http.StatusConflict, "conflict", "no agent serves this conversation")
	requireAgentError(t, take("mine"), http.StatusConflict, "conflict", "you already serve")
	var after models.Conversation
	require.NoError(t, e.db.Where("id = ?", "mine").Take(&after).Error)
	require.Equal(t, "agent2", after.AgentID, "a refusal changes nothing")
}
