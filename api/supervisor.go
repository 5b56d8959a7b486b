package api

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/agents"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/supervise"
	"github.com/ccflow/ccflow/models"
)

// A supervisor is an agent whose role (set with the admin API:
// PUT /api/admin/v1/agents/{id} {"role": "supervisor"}) is "supervisor".
// The role is read with the session on every request, so granting or
// taking it counts at once. Supervisors see the whole tenant: every live
// conversation (read-only, through the agent API's conversation reads),
// the queues, the agents, and the reports. The checks are here, in the
// API, not in the page.

// supervisorOnly refuses agents who are not supervisors, after agentSession.
func supervisorOnly(c *gin.Context) {
	if c.GetString(agentRoleKey) != admin.RoleSupervisor {
		jsonFail(c, errForbidden("this needs the supervisor role (an administrator grants it)"))
		return
	}
	c.Next()
}

// supervisorHandlers serve /api/agent/v1/supervisor.
type supervisorHandlers struct {
	store  *supervise.Store
	agents *agents.Store
	// log puts whispers on the serving agent's feed; nil without the
	// message path (API tests), where a whisper answers 503.
	log *chatlog.Log
	// ops reaches routing and the conversations (estimates, take over); its
	// client is nil without Temporal (API tests), where those answer 503.
	ops  agentOps
	bind *binder
	now  func() time.Time
}

type liveConversationView struct {
	ID           string     `json:"id"`
	UserID       string     `json:"userId"`
	UserName     string     `json:"userName"`
	Phase        string     `json:"phase"`
	SkillGroupID int64      `json:"skillGroupId"`
	AgentID      string     `json:"agentId"`
	AgentName    string     `json:"agentName"`
	StartedAt    time.Time  `json:"startedAt"`
	QueuedAt     *time.Time `json:"queuedAt,omitempty"`
	AssignedAt   *time.Time `json:"assignedAt,omitempty"`
	LastActivity *time.Time `json:"lastActivity,omitempty"`
	WaitSeconds  int        `json:"waitSeconds"`
}

type groupQueueView struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	Waiting            int    `json:"waiting"`
	LongestWaitSeconds int    `json:"longestWaitSeconds"`
	Serving            int    `json:"serving"`
	ReadyAgents        int    `json:"readyAgents"`
}

type agentLoadView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Username    string     `json:"username"`
	Role        string     `json:"role"`
	Status      string     `json:"status"`
	LastSeen    *time.Time `json:"lastSeen,omitempty"`
	Load        int        `json:"load"`
	Capacity    int        `json:"capacity"`
	SkillGroups []int64    `json:"skillGroups"`
	Disabled    bool       `json:"disabled"`
}

// newSupervisorHandlers reads the agents' database (d.Agents), which the
// supervisor's views share with the agent API.
func newSupervisorHandlers(d Deps, b *binder) *supervisorHandlers {
	h := &supervisorHandlers{store: supervisorStore(d), agents: d.Agents, ops: agentOps{c: d.Temporal}, bind: b, now: time.Now}
	if d.Chat != nil {
		h.log = d.Chat.Log
	}
	return h
}

// supervisorStore reads the supervisor's views from the agents' database.
func supervisorStore(d Deps) *supervise.Store {
	s := &supervise.Store{}
	if d.Agents != nil {
		s.DB = d.Agents.DB
	}
	return s
}

// eventWhisper is the agent feed's event for a supervisor's note; its
// MessageSeq holds the note's id (supervisor_notes), not a chat record's seq.
const eventWhisper = "whisper"

// noteView is a supervisor's whisper as the serving agent's console shows it.
type noteView struct {
	ID             uint64    `json:"id"`
	ConversationID string    `json:"conversationId"`
	AgentID        string    `json:"agentId"`
	FromAgentID    string    `json:"fromAgentId"`
	FromName       string    `json:"fromName"`
	Content        string    `json:"content"`
	At             time.Time `json:"at"`
}

func viewNote(n models.SupervisorNote) noteView {
	return noteView{ID: n.ID, ConversationID: n.ConversationID, AgentID: n.AgentID, FromAgentID: n.FromAgentID,
		FromName: n.FromName, Content: n.Content, At: n.CreatedAt}
}

type whisperBody struct {
	Content string `json:"content" validate:"required,max=8000"`
}

// whisper sends the agent serving a conversation a note from the supervisor
// that the visitor never sees. A conversation that has just closed (or
// waits) answers 409 and nothing is stored.
func (h *supervisorHandlers) whisper(c *gin.Context) {
	var req whisperBody
	if err := h.bind.json(c, &req); err != nil {
		jsonFail(c, err)
		return
	}
	claims := agentFrom(c)
	ctx := c.Request.Context()
	me, err := h.agents.Get(ctx, claims.TenantID, claims.AgentID)
	if err != nil {
		jsonFail(c, err)
		return
	}
	if h.log == nil {
		jsonFail(c, errUnavailable)
		return
	}
	n, err := h.store.Whisper(ctx, claims.TenantID, c.Param("id"), me.ID, me.Nickname, req.Content)
	switch {
	case errors.Is(err, supervise.ErrBadNote):
		err = errBadRequest(err.Error())
	case errors.Is(err, supervise.ErrNoConversation):
		err = &apiError{http.StatusNotFound, "404", err.Error()}
	case errors.Is(err, supervise.ErrNotServed):
		err = &apiError{http.StatusConflict, "409", err.Error()}
	}
	if err != nil {
		jsonFail(c, err)
		return
	}
	ev := chatlog.AgentEvent{AgentID: n.AgentID, Type: eventWhisper, ConversationID: n.ConversationID, MessageSeq: int64(n.ID)}
	if err := h.log.AddAgentEvents(ctx, claims.TenantID, ev); err != nil {
		jsonFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"note": viewNote(n)})
}

// live answers the tenant's live view, read from the database.
func (h *supervisorHandlers) live(c *gin.Context) {
	v, err := h.store.Live(c.Request.Context(), agentFrom(c).TenantID, h.now())
	if err != nil {
		jsonFail(c, err)
		return
	}
	convs := make([]liveConversationView, 0, len(v.Conversations))
	for _, x := range v.Conversations {
		convs = append(convs, liveConversationView(x))
	}
	groups := make([]groupQueueView, 0, len(v.Groups))
	for _, g := range v.Groups {
		groups = append(groups, groupQueueView(g))
	}
	agents := make([]agentLoadView, 0, len(v.Agents))
	for _, a := range v.Agents {
		agents = append(agents, agentLoadView(a))
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"at": v.At, "conversations": convs, "truncated": v.Truncated, "skillGroups": groups, "agents": agents})
}

type reportRowView struct {
	Key                     string   `json:"key"`
	Name                    string   `json:"name,omitempty"`
	Conversations           int64    `json:"conversations"`
	Answered                int64    `json:"answered"`
	Abandoned               int64    `json:"abandoned"`
	AvgWaitSeconds          *float64 `json:"avgWaitSeconds"`
	AvgFirstResponseSeconds *float64 `json:"avgFirstResponseSeconds"`
	AvgHandleSeconds        *float64 `json:"avgHandleSeconds"`
	Ratings                 int64    `json:"ratings"`
	AvgRating               *float64 `json:"avgRating"`
	RatingCounts            [5]int64 `json:"ratingCounts"`
	WaitP50Seconds          *float64 `json:"waitP50Seconds"`
	WaitP90Seconds          *float64 `json:"waitP90Seconds"`
	FirstResponseP50Seconds *float64 `json:"firstResponseP50Seconds"`
	FirstResponseP90Seconds *float64 `json:"firstResponseP90Seconds"`
}

// dayLayout is how a report's days are given and shown (UTC).
const dayLayout = "2006-01-02"

// report answers the tenant's figures per day, skill group or agent for
// the days from..to (inclusive, UTC; both default to today), as JSON or,
// with format=csv, as a CSV file.
func (h *supervisorHandlers) report(c *gin.Context) {
	by := supervise.Dimension(c.DefaultQuery("by", string(supervise.ByDay)))
	if by != supervise.ByDay && by != supervise.ByGroup && by != supervise.ByAgent {
		jsonFail(c, errBadRequest("by must be day, group or agent"))
		return
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		jsonFail(c, errBadRequest("format must be json or csv"))
		return
	}
	today := h.now().UTC().Format(dayLayout)
	from, err := time.Parse(dayLayout, c.DefaultQuery("from", today))
	if err != nil {
		jsonFail(c, errBadRequest("from must be a day, YYYY-MM-DD"))
		return
	}
	to, err := time.Parse(dayLayout, c.DefaultQuery("to", c.DefaultQuery("from", today)))
	if err != nil {
		jsonFail(c, errBadRequest("to must be a day, YYYY-MM-DD"))
		return
	}
	r, err := h.store.Report(c.Request.Context(), agentFrom(c).TenantID, by, from, to.AddDate(0, 0, 1))
	if errors.Is(err, supervise.ErrBadPeriod) {
		err = errBadRequest("from must not be after to, and the period at most " + strconv.Itoa(supervise.MaxReportDays) + " days")
	}
	if err != nil {
		jsonFail(c, err)
		return
	}
	noStore(c)
	if format == "csv" {
		writeReportCSV(c, r, from, to)
		return
	}
	rows := make([]reportRowView, 0, len(r.Rows))
	for _, x := range r.Rows {
		rows = append(rows, reportRowView(x))
	}
	c.JSON(http.StatusOK, gin.H{"by": by, "from": from.Format(dayLayout), "to": to.Format(dayLayout), "rows": rows})
}

// writeReportCSV writes a report as a CSV download, one row per key.
func writeReportCSV(c *gin.Context, r supervise.Report, from, to time.Time) {
	name := "ccflow-report-" + string(r.By) + "-" + from.Format(dayLayout) + "-" + to.Format(dayLayout) + ".csv"
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	rows := [][]string{{string(r.By), "name", "conversations", "answered", "abandoned", "avg_wait_seconds",
		"avg_first_response_seconds", "avg_handle_seconds", "ratings", "avg_rating", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5",
		"wait_p50_seconds", "wait_p90_seconds", "first_response_p50_seconds", "first_response_p90_seconds"}}
	for _, x := range r.Rows {
		row := []string{cell(x.Key), cell(x.Name), num(x.Conversations), num(x.Answered), num(x.Abandoned),
			dec(x.AvgWaitSeconds), dec(x.AvgFirstResponseSeconds), dec(x.AvgHandleSeconds), num(x.Ratings), dec(x.AvgRating)}
		for _, n := range x.RatingCounts {
			row = append(row, num(n))
		}
		// The percentiles come last, so columns of earlier exports keep their place.
		row = append(row, dec(x.WaitP50Seconds), dec(x.WaitP90Seconds), dec(x.FirstResponseP50Seconds), dec(x.FirstResponseP90Seconds))
		rows = append(rows, row)
	}
	// The status is sent: a failed write means the client went away, and
	// there is no one left to tell.
	_ = w.WriteAll(rows)
}

// cell keeps a text cell from being read as a formula by spreadsheets
// (names are the tenant's, but a spreadsheet must not run them).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

// dec is an average with one decimal, empty when there was nothing to average.
func dec(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', 1, 64)
}
