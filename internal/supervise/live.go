// Package supervise reads what a supervisor sees of a tenant: the live view
// (conversations, queues, agents) and the reports. Everything comes from the
// application database (the message log's conversations and ratings, the
// agents' tables and feeds); nothing asks Temporal, so a supervisor's page
// costs no workflow work however often it refreshes.
package supervise

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// Phases of a conversation as the message log writes them (chatlog.Phase*).
const (
	phaseQueued = "QUEUED"
	phaseAgent  = "AGENT"
	phaseClosed = "CLOSED"
	// senderAgent is an agent's message in chat_records.sender_type.
	senderAgent = "AGENT"
)

// openOnly keeps a query to the conversations that have not closed: the
// message log sets open_key exactly while a conversation is open, and its
// unique index holds those few rows, where the tenant's index would walk
// every conversation the tenant ever had, on every refresh of every
// supervisor's page.
const openOnly = "open_key IS NOT NULL"

// MaxLive bounds the conversations one live view lists; Overview.Truncated
// says when there were more.
const MaxLive = 500

// Store reads the supervisor's views from the database.
type Store struct {
	DB *gorm.DB
	// Now is the clock of the notes it writes; nil is time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// LiveConversation is one conversation that has not closed.
type LiveConversation struct {
	ID           string
	UserID       string
	UserName     string
	Phase        string
	SkillGroupID int64
	AgentID      string
	AgentName    string
	StartedAt    time.Time
	QueuedAt     *time.Time
	AssignedAt   *time.Time
	LastActivity *time.Time
	// WaitSeconds is how long a queued conversation has waited so far, or
	// how long a served one waited before its agent came.
	WaitSeconds int
}

// GroupQueue is a skill group's queue now.
type GroupQueue struct {
	ID                 int64
	Name               string
	Waiting            int
	LongestWaitSeconds int
	Serving            int
	ReadyAgents        int
}

// AgentLoad is an agent's presence and load now.
type AgentLoad struct {
	ID          string
	Name        string
	Username    string
	Role        string
	Status      string
	LastSeen    *time.Time
	Load        int
	Capacity    int
	SkillGroups []int64
	Disabled    bool
}

// Overview is the tenant's live view at one moment.
type Overview struct {
	At            time.Time
	Conversations []LiveConversation
	Truncated     bool
	Groups        []GroupQueue
	Agents        []AgentLoad
}

// Live reads the tenant's conversations that have not closed, its queues
// per skill group and its agents with their presence and load, as of now.
func (s *Store) Live(ctx context.Context, tenantID string, now time.Time) (Overview, error) {
	db := s.DB.WithContext(ctx)
	out := Overview{At: now, Conversations: []LiveConversation{}, Groups: []GroupQueue{}, Agents: []AgentLoad{}}

	var convs []models.Conversation
	err := db.Select("id", "user_id", "user_name", "phase", "skill_group_id", "agent_id", "agent_name",
		"started_at", "queued_at", "assigned_at", "last_activity").
		Where(openOnly+" AND tenant_id = ? AND phase <> ?", tenantID, phaseClosed).
		Order("started_at, id").Limit(MaxLive + 1).Find(&convs).Error
	if err != nil {
		return out, fmt.Errorf("live conversations of %q: %w", tenantID, err)
	}
	if len(convs) > MaxLive {
		convs, out.Truncated = convs[:MaxLive], true
	}

	var groups []models.SkillGroup
	if err := db.Where("tenant_id = ?", tenantID).Order("id").Find(&groups).Error; err != nil {
		return out, fmt.Errorf("skill groups of %q: %w", tenantID, err)
	}
	load := map[string]int{}
	byGroup := map[int64]*GroupQueue{}
	for _, g := range groups {
		out.Groups = append(out.Groups, GroupQueue{ID: g.ID, Name: g.Name})
	}
	for i := range out.Groups {
		byGroup[out.Groups[i].ID] = &out.Groups[i]
	}
	for _, c := range convs {
		lc := LiveConversation{
			ID: c.ID, UserID: c.UserID, UserName: c.UserName, Phase: c.Phase, SkillGroupID: c.SkillGroupID,
			AgentID: c.AgentID, AgentName: c.AgentName, StartedAt: c.StartedAt, QueuedAt: c.QueuedAt,
			AssignedAt: c.AssignedAt, LastActivity: c.LastActivity,
		}
		g := byGroup[c.SkillGroupID]
		switch {
		case c.Phase == phaseQueued && c.QueuedAt != nil:
			lc.WaitSeconds = seconds(now.Sub(*c.QueuedAt))
			if g != nil {
				g.Waiting++
				g.LongestWaitSeconds = max(g.LongestWaitSeconds, lc.WaitSeconds)
			}
		case c.Phase == phaseAgent:
			if c.QueuedAt != nil && c.AssignedAt != nil {
				lc.WaitSeconds = seconds(c.AssignedAt.Sub(*c.QueuedAt))
			}
			load[c.AgentID]++
			if g != nil {
				g.Serving++
			}
		}
		out.Conversations = append(out.Conversations, lc)
	}
	if out.Agents, err = agentLoads(db, tenantID, load, false); err != nil {
		return out, err
	}
	for _, a := range out.Agents {
		if a.Status != "READY" {
			continue
		}
		for _, id := range a.SkillGroups {
			if g := byGroup[id]; g != nil {
				g.ReadyAgents++
			}
		}
	}
	return out, nil
}

// Colleagues lists the tenant's agents who are not disabled, with presence
// and load: whom an agent may hand a conversation to.
func (s *Store) Colleagues(ctx context.Context, tenantID string) ([]AgentLoad, error) {
	db := s.DB.WithContext(ctx)
	var rows []struct {
		AgentID string
		N       int
	}
	err := db.Model(&models.Conversation{}).Select("agent_id, COUNT(*) AS n").
		Where(openOnly+" AND tenant_id = ? AND phase = ?", tenantID, phaseAgent).Group("agent_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("agents' load in %q: %w", tenantID, err)
	}
	load := map[string]int{}
	for _, r := range rows {
		load[r.AgentID] = r.N
	}
	return agentLoads(db, tenantID, load, true)
}

// agentLoads reads the tenant's agents (without the disabled ones when
// enabledOnly), their skill groups and the presence each last chose, with
// the load given per agent.
func agentLoads(db *gorm.DB, tenantID string, load map[string]int, enabledOnly bool) ([]AgentLoad, error) {
	q := db.Where("tenant_id = ?", tenantID)
	if enabledOnly {
		q = q.Where("disabled = ?", false)
	}
	var agents []models.Agent
	if err := q.Order("id").Find(&agents).Error; err != nil {
		return nil, fmt.Errorf("agents of %q: %w", tenantID, err)
	}
	var feeds []models.AgentFeed
	if err := db.Where("tenant_id = ?", tenantID).Find(&feeds).Error; err != nil {
		return nil, fmt.Errorf("agent presence of %q: %w", tenantID, err)
	}
	var skills []models.AgentSkill
	err := db.Joins("JOIN agents ON agents.id = agent_skills.agent_id").
		Where("agents.tenant_id = ?", tenantID).Order("agent_skills.skill_group_id").Find(&skills).Error
	if err != nil {
		return nil, fmt.Errorf("skills of %q's agents: %w", tenantID, err)
	}
	feedOf := map[string]models.AgentFeed{}
	for _, f := range feeds {
		feedOf[f.AgentID] = f
	}
	skillsOf := map[string][]int64{}
	for _, sk := range skills {
		skillsOf[sk.AgentID] = append(skillsOf[sk.AgentID], sk.SkillGroupID)
	}
	out := make([]AgentLoad, 0, len(agents))
	for _, a := range agents {
		f, ok := feedOf[a.ID]
		status := "OFFLINE"
		if ok && f.Status != "" && !a.Disabled {
			status = f.Status
		}
		al := AgentLoad{
			ID: a.ID, Name: a.Nickname, Username: a.Username, Role: a.Role, Status: status, Load: load[a.ID],
			Capacity: a.Capacity, SkillGroups: skillsOf[a.ID], Disabled: a.Disabled,
		}
		if ok {
			al.LastSeen = f.LastSeen
		}
		if al.SkillGroups == nil {
			al.SkillGroups = []int64{}
		}
		out = append(out, al)
	}
	return out, nil
}

// seconds is a duration in whole seconds, never negative (clocks of two
// replicas may disagree a little).
func seconds(d time.Duration) int {
	return int(max(0, d) / time.Second)
}
