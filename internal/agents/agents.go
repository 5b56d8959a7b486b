// Package agents reads what the agent API needs from the database: agents
// and their credentials, skill groups, and the records of conversations.
package agents

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/authcache"
	"github.com/ccflow/ccflow/models"
)

var (
	// ErrBadCredentials is a login with an unknown user or a wrong password;
	// the two are not told apart.
	ErrBadCredentials = errors.New("wrong username or password")
	// ErrNotFound is an agent, skill group or conversation that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDisabled is a login with the right password of a disabled agent.
	ErrDisabled = errors.New("this agent is disabled: ask an administrator")
)

// Store is the agents' view of the database.
type Store struct {
	DB *gorm.DB
	// Auth is the process's cache of authentication reads: Session reads
	// through it, and RevokeSessions drops what it holds (nil: no cache).
	Auth *authcache.Cache

	dummyOnce sync.Once
	dummyHash []byte
}

// Agent is an agent with the skill groups they serve.
type Agent struct {
	models.Agent
	SkillGroups []int64
}

// Authenticate checks a username and password.
func (s *Store) Authenticate(ctx context.Context, username, password string) (Agent, error) {
	var a models.Agent
	err := s.DB.WithContext(ctx).Where("username = ?", username).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// An unknown user costs as much as a wrong password, so response
		// times do not tell which usernames exist.
		s.dummyOnce.Do(func() {
			if h, err := bcrypt.GenerateFromPassword([]byte("ccflow-no-such-agent"), bcrypt.DefaultCost); err == nil {
				s.dummyHash = h
			}
		})
		// Only the time the comparison takes matters; its answer is always "no".
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Agent{}, ErrBadCredentials
	}
	if err != nil {
		return Agent{}, fmt.Errorf("agent %q: %w", username, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(password)) != nil {
		return Agent{}, ErrBadCredentials
	}
	if a.Disabled {
		// Said only to whoever knows the password.
		return Agent{}, ErrDisabled
	}
	return s.withSkills(ctx, a)
}

// Session is what the agent API checks of an agent on every request.
type Session struct {
	Version  int64
	Disabled bool
	// Role is "agent" or "supervisor" (see internal/admin).
	Role string

	tenantID string
}

// Session reads an agent's session version and whether they are disabled;
// an agent that no longer exists is ErrNotFound. It is one primary-key read,
// made on every agent request so that a revocation counts at once on every
// replica.
func (s *Store) Session(ctx context.Context, tenantID, agentID string) (Session, error) {
	sess, err := authcache.Get(ctx, s.Auth, authcache.Agent(agentID), func(ctx context.Context) (Session, error) {
		return s.readSession(ctx, agentID)
	})
	if err != nil {
		return Session{}, err
	}
	// The tenant is checked here, not in the cache key, so a revocation by
	// agent id drops every entry of that agent.
	if sess.tenantID != tenantID {
		return Session{}, fmt.Errorf("agent %q: %w", agentID, ErrNotFound)
	}
	return sess, nil
}

// readSession reads the agent's row (one primary-key read), written out
// like the message path's reads: an agent's long-poll makes it whenever the
// session cache misses, and GORM's reflection cost more than the query.
func (s *Store) readSession(ctx context.Context, agentID string) (Session, error) {
	var sess Session
	err := models.QueryOne(ctx, s.DB.WithContext(ctx).Statement.ConnPool,
		[]any{&sess.tenantID, &sess.Version, &sess.Disabled, &sess.Role},
		"SELECT tenant_id, session_version, disabled, role FROM agents WHERE id = ? LIMIT 1", agentID)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("agent %q: %w", agentID, ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("session of agent %q: %w", agentID, err)
	}
	return sess, nil
}

// RevokeSessions ends every session the agent holds, on every replica, by
// moving their session version on.
func (s *Store) RevokeSessions(ctx context.Context, tenantID, agentID string) error {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&models.Agent{}).Where("id = ? AND tenant_id = ?", agentID, tenantID).
			UpdateColumn("session_version", gorm.Expr("session_version + 1")).Error
		if err != nil {
			return err
		}
		return authcache.Record(tx, authcache.Agent(agentID))
	})
	if err != nil {
		return fmt.Errorf("revoke sessions of agent %q: %w", agentID, err)
	}
	return s.Auth.Revoked(ctx, authcache.Agent(agentID))
}

// Get returns an agent of a tenant.
func (s *Store) Get(ctx context.Context, tenantID, agentID string) (Agent, error) {
	var a models.Agent
	err := s.DB.WithContext(ctx).Where("id = ? AND tenant_id = ?", agentID, tenantID).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Agent{}, fmt.Errorf("agent %q: %w", agentID, ErrNotFound)
	}
	if err != nil {
		return Agent{}, fmt.Errorf("agent %q: %w", agentID, err)
	}
	return s.withSkills(ctx, a)
}

func (s *Store) withSkills(ctx context.Context, a models.Agent) (Agent, error) {
	out := Agent{Agent: a, SkillGroups: []int64{}}
	err := s.DB.WithContext(ctx).Model(&models.AgentSkill{}).Where("agent_id = ?", a.ID).
		Order("skill_group_id").Pluck("skill_group_id", &out.SkillGroups).Error
	if err != nil {
		return Agent{}, fmt.Errorf("skills of agent %q: %w", a.ID, err)
	}
	return out, nil
}

// SkillGroups lists a tenant's skill groups by id.
func (s *Store) SkillGroups(ctx context.Context, tenantID string) ([]models.SkillGroup, error) {
	var groups []models.SkillGroup
	if err := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&groups).Error; err != nil {
		return nil, fmt.Errorf("skill groups of %q: %w", tenantID, err)
	}
	return groups, nil
}

// SkillGroup returns one skill group of a tenant.
func (s *Store) SkillGroup(ctx context.Context, tenantID string, id int64) (models.SkillGroup, error) {
	var g models.SkillGroup
	err := s.DB.WithContext(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return g, fmt.Errorf("skill group %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return g, fmt.Errorf("skill group %d: %w", id, err)
	}
	return g, nil
}

// Conversation returns a conversation's record, whatever its tenant: the
// caller decides what the agent may see.
func (s *Store) Conversation(ctx context.Context, id string) (models.Conversation, error) {
	c, err := models.ConversationByID(ctx, s.DB.Statement.ConnPool, id, "")
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("conversation %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("conversation %q: %w", id, err)
	}
	return c, nil
}

// Recent lists the agent's latest conversations, newest first.
func (s *Store) Recent(ctx context.Context, tenantID, agentID string, limit int) ([]models.Conversation, error) {
	var out []models.Conversation
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND agent_id = ?", tenantID, agentID).
		Order("started_at DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("conversations of agent %q: %w", agentID, err)
	}
	return out, nil
}
