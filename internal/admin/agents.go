package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/authcache"
	"github.com/ccflow/ccflow/models"
)

// Limits of an agent's settings.
const (
	minPasswordChars = 8
	// maxPasswordBytes is bcrypt's: it ignores (newer versions refuse) the rest.
	maxPasswordBytes = 72
	maxCapacity      = 50
	defaultCapacity  = 3
	maxSkillGroups   = 100
)

// Agent roles: a supervisor is an agent who also sees the tenant's live view
// (every conversation, queue and agent) and its reports. The agent API
// reads the role on every request, so a change counts at once.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
)

// AgentFields are an agent's settings; on update a nil field keeps its value.
type AgentFields struct {
	Nickname *string `json:"nickname"`
	// Password is stored as a bcrypt hash and never returned.
	Password *string `json:"password"`
	// Capacity is how many conversations the agent holds at once.
	Capacity *int    `json:"capacity"`
	Avatar   *string `json:"avatar"`
	// SkillGroups replaces the agent's skill groups, which must be its tenant's.
	SkillGroups *[]int64 `json:"skillGroups"`
	// Disabled refuses the agent's logins and ends their sessions at once.
	Disabled *bool `json:"disabled"`
	// Role is "agent" (the default) or "supervisor".
	Role *string `json:"role"`
}

// NewAgent is an agent to create. An empty ID takes the username; the
// nickname defaults to the username and the capacity to 3.
type NewAgent struct {
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
	Username string `json:"username"`
	AgentFields
}

// Agent is an agent and the skill groups it serves, in id order.
type Agent struct {
	models.Agent
	SkillGroups []int64
}

func (f AgentFields) apply(a *Agent) {
	set(&a.Nickname, trimmed(f.Nickname))
	set(&a.Capacity, f.Capacity)
	set(&a.Avatar, trimmed(f.Avatar))
	set(&a.Disabled, f.Disabled)
	set(&a.Role, trimmed(f.Role))
	if f.SkillGroups != nil {
		a.SkillGroups = slices.Compact(slices.Sorted(slices.Values(*f.SkillGroups)))
	}
}

func checkAgent(a Agent) error {
	problems := []error{
		identifier("id", a.ID, 64),
		identifier("tenantId", a.TenantID, 64),
		identifier("username", a.Username, 64),
		line("nickname", a.Nickname, 64, true),
		between("capacity", int64(a.Capacity), 1, maxCapacity),
		webURL("avatar", a.Avatar, 512, false),
	}
	if a.Role != RoleAgent && a.Role != RoleSupervisor {
		problems = append(problems, fmt.Errorf("role must be %q or %q", RoleAgent, RoleSupervisor))
	}
	if len(a.SkillGroups) > maxSkillGroups {
		problems = append(problems, fmt.Errorf("skillGroups may list at most %d groups", maxSkillGroups))
	}
	return collect(problems...)
}

func checkPassword(p string) error {
	switch {
	case utf8.RuneCountInString(p) < minPasswordChars:
		return invalidf("password must be at least %d characters", minPasswordChars)
	case len(p) > maxPasswordBytes:
		return invalidf("password must be at most %d bytes", maxPasswordBytes)
	}
	return nil
}

// hash checks and hashes a password; bcrypt is slow by design, so callers
// hash before their transaction rather than inside it.
func (s *Store) hash(password string) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	cost := s.BcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// checkSkills requires every skill group to be the agent's tenant's.
func checkSkills(tx *gorm.DB, a Agent) error {
	if len(a.SkillGroups) == 0 {
		return nil
	}
	var found []int64
	err := tx.Model(&models.SkillGroup{}).Where("tenant_id = ? AND id IN ?", a.TenantID, a.SkillGroups).Pluck("id", &found).Error
	if err != nil {
		return fmt.Errorf("check skill groups: %w", err)
	}
	var missing []string
	for _, id := range a.SkillGroups {
		if !slices.Contains(found, id) {
			missing = append(missing, fmt.Sprint(id))
		}
	}
	if len(missing) > 0 {
		return invalidf("skillGroups: tenant %q has no skill group %s", a.TenantID, strings.Join(missing, ", "))
	}
	return nil
}

// writeSkills replaces the agent's skill rows with a.SkillGroups.
func writeSkills(tx *gorm.DB, a Agent) error {
	if err := tx.Where("agent_id = ?", a.ID).Delete(&models.AgentSkill{}).Error; err != nil {
		return err
	}
	if len(a.SkillGroups) == 0 {
		return nil
	}
	rows := make([]models.AgentSkill, 0, len(a.SkillGroups))
	for _, g := range a.SkillGroups {
		rows = append(rows, models.AgentSkill{AgentID: a.ID, SkillGroupID: g})
	}
	return tx.Create(&rows).Error
}

// CreateAgent adds an agent with its skill groups.
func (s *Store) CreateAgent(ctx context.Context, in NewAgent) (Agent, error) {
	a := Agent{Agent: models.Agent{
		ID: strings.TrimSpace(in.ID), TenantID: strings.TrimSpace(in.TenantID), Username: strings.TrimSpace(in.Username),
		Capacity: defaultCapacity, Role: RoleAgent,
	}, SkillGroups: []int64{}}
	if a.ID == "" {
		a.ID = a.Username
	}
	a.Nickname = a.Username
	in.apply(&a)
	problems := []error{checkAgent(a)}
	if in.Password == nil {
		problems = append(problems, errors.New("password is required"))
	} else {
		problems = append(problems, checkPassword(*in.Password))
	}
	if err := collect(problems...); err != nil {
		return Agent{}, err
	}
	hash, err := s.hash(*in.Password)
	if err != nil {
		return Agent{}, err
	}
	a.PasswordHash = hash
	err = s.inTenant(ctx, a.TenantID, func(tx *gorm.DB) error {
		var other models.Agent
		if err := tx.Select("id", "username").Where("id = ? OR username = ?", a.ID, a.Username).Limit(1).Find(&other).Error; err != nil {
			return fmt.Errorf("check agent %s: %w", a.ID, err)
		}
		switch {
		case other.ID == a.ID:
			return conflictf("agent %q already exists", a.ID)
		case other.ID != "":
			return conflictf("username %q is already taken", a.Username)
		}
		if err := checkSkills(tx, a); err != nil {
			return err
		}
		if err := tx.Create(&a.Agent).Error; err != nil {
			return err
		}
		return writeSkills(tx, a)
	})
	return result(a, writeErr(err, "create agent", "agent "+a.ID+" or username "+a.Username+" already exists"))
}

// Agent reads an agent.
func (s *Store) Agent(ctx context.Context, id string) (Agent, error) {
	m, err := find[models.Agent](ctx, s.DB, "agent", "id", id)
	if err != nil {
		return Agent{}, err
	}
	out, err := s.withSkills(ctx, s.DB, []models.Agent{m})
	if err != nil {
		return Agent{}, err
	}
	return out[0], nil
}

// Agents lists agents, of one tenant when tenantID is set.
func (s *Store) Agents(ctx context.Context, tenantID string, p Page) (List[Agent], error) {
	page, err := list[models.Agent](ctx, s.DB, tenantID, p, "id")
	if err != nil {
		return List[Agent]{}, err
	}
	items, err := s.withSkills(ctx, s.DB, page.Items)
	if err != nil {
		return List[Agent]{}, err
	}
	return List[Agent]{Items: items, Total: page.Total}, nil
}

// withSkills adds each agent's skill groups, in one query for all of them.
func (s *Store) withSkills(ctx context.Context, db *gorm.DB, agents []models.Agent) ([]Agent, error) {
	out := make([]Agent, len(agents))
	if len(agents) == 0 {
		return out, nil
	}
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	var skills []models.AgentSkill
	err := db.WithContext(ctx).Where("agent_id IN ?", ids).Order("agent_id, skill_group_id").Find(&skills).Error
	if err != nil {
		return nil, fmt.Errorf("read skill groups of agents: %w", err)
	}
	byAgent := map[string][]int64{}
	for _, sk := range skills {
		byAgent[sk.AgentID] = append(byAgent[sk.AgentID], sk.SkillGroupID)
	}
	for i, a := range agents {
		out[i] = Agent{Agent: a, SkillGroups: append([]int64{}, byAgent[a.ID]...)}
	}
	return out, nil
}

// UpdateAgent changes the given fields of an agent. A new password counts at
// the next login and, like disabling the agent, ends every session the agent
// holds at once; routing takes new capacity and skill groups when the agent
// next sets their status.
func (s *Store) UpdateAgent(ctx context.Context, id string, f AgentFields) (Agent, error) {
	hash := ""
	if f.Password != nil {
		var err error
		if hash, err = s.hash(*f.Password); err != nil {
			return Agent{}, err
		}
	}
	var out Agent
	_, err := withRow(ctx, s, "agent", "id", id, agentTenant, func(tx *gorm.DB, m *models.Agent) error {
		current, err := s.withSkills(ctx, tx, []models.Agent{*m})
		if err != nil {
			return err
		}
		out = current[0]
		f.apply(&out)
		if hash != "" {
			out.PasswordHash = hash
		}
		if err := checkAgent(out); err != nil {
			return err
		}
		if f.SkillGroups != nil {
			if err := checkSkills(tx, out); err != nil {
				return err
			}
			if err := writeSkills(tx, out); err != nil {
				return err
			}
		}
		// The session version only ever moves on, in the database, so that a
		// logout racing with this update is never undone by it.
		if err := tx.Select("*").Omit("ID", "CreatedAt", "SessionVersion").Updates(&out.Agent).Error; err != nil {
			return err
		}
		if hash != "" || out.Disabled {
			out.SessionVersion++
			if err := tx.Model(&models.Agent{}).Where("id = ?", out.ID).
				UpdateColumn("session_version", gorm.Expr("session_version + 1")).Error; err != nil {
				return err
			}
		}
		// Every change counts (the role too): sessions read it with the version.
		return authcache.Record(tx, authcache.Agent(id))
	})
	return result(out, s.revoked(ctx, writeErr(err, "update agent "+id, "agent "+id+" changed meanwhile"), authcache.Agent(id)))
}

// DeleteAgent removes an agent and its skill group memberships. The agent can
// no longer log in and their sessions end at once (the agent API reads the
// row on every request); conversations already assigned keep their history.
func (s *Store) DeleteAgent(ctx context.Context, id string) (Agent, error) {
	var out Agent
	_, err := withRow(ctx, s, "agent", "id", id, agentTenant, func(tx *gorm.DB, m *models.Agent) error {
		current, err := s.withSkills(ctx, tx, []models.Agent{*m})
		if err != nil {
			return err
		}
		out = current[0]
		if err := tx.Where("agent_id = ?", id).Delete(&models.AgentSkill{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(m).Error; err != nil {
			return err
		}
		return authcache.Record(tx, authcache.Agent(id))
	})
	return result(out, s.revoked(ctx, writeErr(err, "delete agent "+id, "agent "+id+" is in use"), authcache.Agent(id)))
}

func agentTenant(a models.Agent) string { return a.TenantID }
