package admin

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// maxIDAttempts bounds how often a generated skill group id is chosen again
// after a concurrent create took it.
const maxIDAttempts = 10

// SkillGroupFields are a skill group's settings; on update a nil field keeps its value.
type SkillGroupFields struct {
	Name *string `json:"name"`
}

// NewSkillGroup is a skill group to create. Skill group ids are numbers
// (spec 001) shared by all tenants; ID 0 takes the next free one.
type NewSkillGroup struct {
	ID       int64  `json:"id"`
	TenantID string `json:"tenantId"`
	SkillGroupFields
}

func checkSkillGroup(g models.SkillGroup) error {
	return collect(
		between("id", g.ID, 1, 1<<53),
		identifier("tenantId", g.TenantID, 64),
		line("name", g.Name, 64, true),
	)
}

// CreateSkillGroup adds a skill group.
func (s *Store) CreateSkillGroup(ctx context.Context, in NewSkillGroup) (models.SkillGroup, error) {
	g := models.SkillGroup{ID: in.ID, TenantID: strings.TrimSpace(in.TenantID)}
	set(&g.Name, trimmed(in.Name))
	generated := g.ID == 0
	if generated {
		g.ID = 1 // checked now, chosen in the transaction
	}
	if err := checkSkillGroup(g); err != nil {
		return models.SkillGroup{}, err
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = s.inTenant(ctx, g.TenantID, func(tx *gorm.DB) error {
			if generated {
				var top int64
				if err := tx.Model(&models.SkillGroup{}).Select("COALESCE(MAX(id), 0)").Scan(&top).Error; err != nil {
					return fmt.Errorf("next skill group id: %w", err)
				}
				g.ID = top + 1
				return tx.Create(&g).Error
			}
			var other models.SkillGroup
			if err := tx.Where("id = ?", g.ID).Limit(1).Find(&other).Error; err != nil {
				return fmt.Errorf("check skill group %d: %w", g.ID, err)
			}
			if other.ID != 0 {
				return conflictf("skill group id %d is already taken (by tenant %q)", g.ID, other.TenantID)
			}
			return tx.Create(&g).Error
		})
		// Ids are shared by all tenants, so another tenant's create may take
		// the id chosen here (or deadlock with this one on MySQL); then the
		// next free id is chosen again, rather than locking the whole table.
		if !generated || attempt == maxIDAttempts || !(isDuplicate(err) || isDeadlock(err)) {
			break
		}
	}
	return result(g, writeErr(err, "create skill group", fmt.Sprintf("skill group id %d is already taken", g.ID)))
}

// SkillGroup reads a skill group.
func (s *Store) SkillGroup(ctx context.Context, id int64) (models.SkillGroup, error) {
	return find[models.SkillGroup](ctx, s.DB, "skill group", "id", id)
}

// SkillGroups lists skill groups, of one tenant when tenantID is set.
func (s *Store) SkillGroups(ctx context.Context, tenantID string, p Page) (List[models.SkillGroup], error) {
	return list[models.SkillGroup](ctx, s.DB, tenantID, p, "id")
}

// UpdateSkillGroup changes the given fields of a skill group.
func (s *Store) UpdateSkillGroup(ctx context.Context, id int64, f SkillGroupFields) (models.SkillGroup, error) {
	g, err := withRow(ctx, s, "skill group", "id", id, groupTenant, func(tx *gorm.DB, g *models.SkillGroup) error {
		set(&g.Name, trimmed(f.Name))
		if err := checkSkillGroup(*g); err != nil {
			return err
		}
		return update(tx, g, "ID")
	})
	return result(g, writeErr(err, fmt.Sprintf("update skill group %d", id), "skill group changed meanwhile"))
}

// DeleteSkillGroup removes a skill group that no channel config routes to and
// no agent serves: deleting it would strand their conversations.
func (s *Store) DeleteSkillGroup(ctx context.Context, id int64) (models.SkillGroup, error) {
	g, err := withRow(ctx, s, "skill group", "id", id, groupTenant, func(tx *gorm.DB, g *models.SkillGroup) error {
		channels, err := count[models.ChannelConfig](tx, "default_skill_group = ?", id)
		if err != nil {
			return err
		}
		agents, err := count[models.AgentSkill](tx, "skill_group_id = ?", id)
		if err != nil {
			return err
		}
		if channels > 0 || agents > 0 {
			return conflictf("skill group %d is the default of %d channel configs and has %d agents; change those first", id, channels, agents)
		}
		return tx.Delete(g).Error
	})
	return result(g, writeErr(err, fmt.Sprintf("delete skill group %d", id), "skill group is in use"))
}

func groupTenant(g models.SkillGroup) string { return g.TenantID }
