package admin

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/internal/hours"
	"github.com/ccflow/ccflow/models"
)

// maxTimeoutSec bounds every timeout of a channel (30 days): longer is a typo.
const maxTimeoutSec = 30 * 24 * 60 * 60

// ChannelConfigFields are a channel config's settings; on update a nil field
// keeps its value. Timeouts are seconds, 0 meaning none.
type ChannelConfigFields struct {
	Name              *string `json:"name"`
	RobotEnabled      *bool   `json:"robotEnabled"`
	RobotNickname     *string `json:"robotNickname"`
	RobotGreeting     *string `json:"robotGreeting"`
	RobotMaxMisses    *int    `json:"robotMaxMisses"`
	WorkingHours      *string `json:"workingHours"`
	TimeZone          *string `json:"timeZone"`
	Locale            *string `json:"locale"`
	MaxQueueWaitSec   *int    `json:"maxQueueWaitSec"`
	RobotIdleSec      *int    `json:"robotIdleSec"`
	QueueIdleSec      *int    `json:"queueIdleSec"`
	AgentIdleSec      *int    `json:"agentIdleSec"`
	SatisfactionSec   *int    `json:"satisfactionSec"`
	DefaultSkillGroup *int64  `json:"defaultSkillGroup"`
}

// NewChannelConfig is a channel config to create; an empty ID is generated
// (19 digits, like spec 003's channel ids). Unset fields take the demo
// channel's values: robot on, 24/7, Asia/Shanghai, zh, 300 s queue wait.
type NewChannelConfig struct {
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
	ChannelConfigFields
}

func (f ChannelConfigFields) apply(cc *models.ChannelConfig) {
	set(&cc.Name, trimmed(f.Name))
	set(&cc.RobotEnabled, f.RobotEnabled)
	set(&cc.RobotNickname, trimmed(f.RobotNickname))
	set(&cc.RobotGreeting, f.RobotGreeting)
	set(&cc.RobotMaxMisses, f.RobotMaxMisses)
	set(&cc.WorkingHours, trimmed(f.WorkingHours))
	set(&cc.TimeZone, trimmed(f.TimeZone))
	set(&cc.Locale, trimmed(f.Locale))
	set(&cc.MaxQueueWaitSec, f.MaxQueueWaitSec)
	set(&cc.RobotIdleSec, f.RobotIdleSec)
	set(&cc.QueueIdleSec, f.QueueIdleSec)
	set(&cc.AgentIdleSec, f.AgentIdleSec)
	set(&cc.SatisfactionSec, f.SatisfactionSec)
	set(&cc.DefaultSkillGroup, f.DefaultSkillGroup)
}

func checkChannelConfig(cc models.ChannelConfig) error {
	problems := []error{
		identifier("id", cc.ID, 64),
		identifier("tenantId", cc.TenantID, 64),
		line("name", cc.Name, 128, true),
		line("robotNickname", cc.RobotNickname, 64, false),
		text("robotGreeting", cc.RobotGreeting, 500, false),
		between("robotMaxMisses", int64(cc.RobotMaxMisses), 0, 100),
		line("workingHours", cc.WorkingHours, 256, false),
		line("timeZone", cc.TimeZone, 64, true),
		between("defaultSkillGroup", cc.DefaultSkillGroup, 1, 1<<53),
	}
	if _, err := hours.Parse(cc.WorkingHours); err != nil {
		problems = append(problems, fmt.Errorf("workingHours: %w", err))
	}
	// LoadLocation("") and "Local" are the server's zone, not the channel's.
	if _, err := time.LoadLocation(cc.TimeZone); cc.TimeZone != "" && (err != nil || cc.TimeZone == "Local") {
		problems = append(problems, fmt.Errorf("timeZone %q is not a known IANA time zone such as Asia/Shanghai", cc.TimeZone))
	}
	if cc.Locale != "zh" && cc.Locale != "en" {
		problems = append(problems, fmt.Errorf("locale must be zh or en"))
	}
	// Every phase must end: a timeout of 0 would keep a conversation (and an
	// agent's slot, or a queue entry) open for ever once the visitor leaves.
	// Only the queue's idle timeout may be 0 (none): the queue's maximum
	// wait ends it anyway.
	for _, t := range []struct {
		name string
		v    int
		min  int64
	}{
		{"maxQueueWaitSec", cc.MaxQueueWaitSec, 1}, {"robotIdleSec", cc.RobotIdleSec, 1}, {"queueIdleSec", cc.QueueIdleSec, 0},
		{"agentIdleSec", cc.AgentIdleSec, 1}, {"satisfactionSec", cc.SatisfactionSec, 1},
	} {
		problems = append(problems, between(t.name, int64(t.v), t.min, maxTimeoutSec))
	}
	return collect(problems...)
}

// checkDefaultGroup requires the channel's skill group to be the tenant's own.
func checkDefaultGroup(tx *gorm.DB, cc models.ChannelConfig) error {
	n, err := count[models.SkillGroup](tx, "id = ? AND tenant_id = ?", cc.DefaultSkillGroup, cc.TenantID)
	if err != nil {
		return err
	}
	if n == 0 {
		return invalidf("defaultSkillGroup: tenant %q has no skill group %d", cc.TenantID, cc.DefaultSkillGroup)
	}
	return nil
}

// newChannelID is a random 19-digit decimal id, the shape of spec 003's examples.
func newChannelID() (string, error) {
	lo := big.NewInt(1_000_000_000_000_000_000)
	n, err := rand.Int(rand.Reader, new(big.Int).Sub(big.NewInt(9_223_372_036_854_775_807), lo))
	if err != nil {
		return "", fmt.Errorf("generate channel config id: %w", err)
	}
	return n.Add(n, lo).String(), nil
}

// CreateChannelConfig adds a channel config; new conversations can use it at once.
func (s *Store) CreateChannelConfig(ctx context.Context, in NewChannelConfig) (models.ChannelConfig, error) {
	cc := models.ChannelConfig{
		ID: strings.TrimSpace(in.ID), TenantID: strings.TrimSpace(in.TenantID),
		RobotEnabled: true, RobotMaxMisses: 3, WorkingHours: "always", TimeZone: "Asia/Shanghai", Locale: "zh",
		MaxQueueWaitSec: 300, RobotIdleSec: 600, AgentIdleSec: 900, SatisfactionSec: 120,
	}
	if cc.ID == "" {
		id, err := newChannelID()
		if err != nil {
			return models.ChannelConfig{}, err
		}
		cc.ID = id
	}
	in.apply(&cc)
	if err := checkChannelConfig(cc); err != nil {
		return models.ChannelConfig{}, err
	}
	err := s.inTenant(ctx, cc.TenantID, func(tx *gorm.DB) error {
		n, err := count[models.ChannelConfig](tx, "id = ?", cc.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return conflictf("channel config %q already exists", cc.ID)
		}
		if err := checkDefaultGroup(tx, cc); err != nil {
			return err
		}
		return tx.Create(&cc).Error
	})
	return result(cc, writeErr(err, "create channel config", "channel config "+cc.ID+" already exists"))
}

// ChannelConfig reads a channel config.
func (s *Store) ChannelConfig(ctx context.Context, id string) (models.ChannelConfig, error) {
	return find[models.ChannelConfig](ctx, s.DB, "channel config", "id", id)
}

// ChannelConfigs lists channel configs, of one tenant when tenantID is set.
func (s *Store) ChannelConfigs(ctx context.Context, tenantID string, p Page) (List[models.ChannelConfig], error) {
	return list[models.ChannelConfig](ctx, s.DB, tenantID, p, "id")
}

// UpdateChannelConfig changes the given fields of a channel config. Running
// conversations keep the settings they started with; new ones get these.
func (s *Store) UpdateChannelConfig(ctx context.Context, id string, f ChannelConfigFields) (models.ChannelConfig, error) {
	cc, err := withRow(ctx, s, "channel config", "id", id, channelTenant, func(tx *gorm.DB, cc *models.ChannelConfig) error {
		f.apply(cc)
		if err := checkChannelConfig(*cc); err != nil {
			return err
		}
		if err := checkDefaultGroup(tx, *cc); err != nil {
			return err
		}
		return update(tx, cc, "ID")
	})
	return result(cc, writeErr(err, "update channel config "+id, "channel config "+id+" changed meanwhile"))
}

// DeleteChannelConfig removes a channel config. Its running conversations
// carry their settings with them; new visitors of the channel are refused.
func (s *Store) DeleteChannelConfig(ctx context.Context, id string) (models.ChannelConfig, error) {
	cc, err := withRow(ctx, s, "channel config", "id", id, channelTenant, func(tx *gorm.DB, cc *models.ChannelConfig) error {
		return tx.Delete(cc).Error
	})
	return result(cc, writeErr(err, "delete channel config "+id, "channel config "+id+" is in use"))
}

func channelTenant(cc models.ChannelConfig) string { return cc.TenantID }
