package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestSeedDemoSQLite(t *testing.T) { testSeedDemo(t, modelstest.SQLiteDB(t)) }

func TestSeedDemoMySQL(t *testing.T) { testSeedDemo(t, modelstest.MySQLDB(t)) }

func testSeedDemo(t *testing.T, db *gorm.DB) {
	ctx := context.Background()

	inserted, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	require.True(t, inserted, "first call loads the data")
	first := rowCounts(t, db)

	inserted, err = models.SeedDemo(ctx, db)
	require.NoError(t, err)
	require.False(t, inserted, "second call must change nothing")
	require.Equal(t, first, rowCounts(t, db))

	var tenant models.Tenant
	require.NoError(t, db.Take(&tenant, "id = ?", models.DemoTenantID).Error)
	require.Equal(t, "Demo Shop", tenant.Name)
	require.EqualValues(t, 1, tenant.BusinessID)
	require.Equal(t, "1001", tenant.AppID)
	require.Equal(t, "demo", tenant.VendorID)
	require.Equal(t, "web", tenant.SiteID)

	var key models.AppKey
	require.NoError(t, db.Take(&key, "`key` = ?", models.DemoAppKey).Error)
	require.Equal(t, models.DemoAppSecret, key.Secret)
	require.Equal(t, models.DemoTenantID, key.TenantID)

	var cc models.ChannelConfig
	require.NoError(t, db.Take(&cc, "id = ?", models.DemoChannelConfigID).Error)
	require.True(t, cc.RobotEnabled)
	require.Equal(t, "欢迎欢迎，热烈欢迎", cc.RobotGreeting)
	require.Equal(t, "小C", cc.RobotNickname)
	require.Equal(t, 3, cc.RobotMaxMisses)
	require.Equal(t, "always", cc.WorkingHours)
	require.Equal(t, "Asia/Shanghai", cc.TimeZone)
	require.Equal(t, "zh", cc.Locale)
	require.Equal(t, 300, cc.MaxQueueWaitSec)
	require.Equal(t, 600, cc.RobotIdleSec)
	require.Equal(t, 0, cc.QueueIdleSec)
	require.Equal(t, 900, cc.AgentIdleSec)
	require.Equal(t, 120, cc.SatisfactionSec)
	require.EqualValues(t, 11, cc.DefaultSkillGroup)

	var groups []models.SkillGroup
	require.NoError(t, db.Order("id").Find(&groups).Error)
	require.Len(t, groups, 2)
	require.Equal(t, [2]string{"test1", "多商戶分組1"}, [2]string{groups[0].Name, groups[1].Name})
	require.EqualValues(t, [2]int64{11, 12}, [2]int64{groups[0].ID, groups[1].ID})

	var skills []models.AgentSkill
	require.NoError(t, db.Order("agent_id, skill_group_id").Find(&skills).Error)
	require.Equal(t, []models.AgentSkill{{"agent1", 11}, {"agent1", 12}, {"agent2", 12}}, skills)

	for _, name := range []string{"agent1", "agent2"} {
		var a models.Agent
		require.NoError(t, db.Take(&a, "username = ?", name).Error)
		require.Equal(t, 3, a.Capacity)
		require.Equal(t, models.DemoTenantID, a.TenantID)
		require.NoError(t, bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(name+"-pass")))
		require.Error(t, bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte("wrong")))
	}

	var faq []models.FAQEntry
	require.NoError(t, db.Where("tenant_id = ?", models.DemoTenantID).Find(&faq).Error)
	var version, grid int
	for _, f := range faq {
		require.NotEmpty(t, f.Answer, f.Question)
		require.NotEmpty(t, f.Keywords, f.Question)
		if f.Question == "版本" {
			version++
		}
		if strings.HasPrefix(f.Question, "网格") {
			grid++
		}
	}
	require.Equal(t, 1, version, "the robot answers 版本 (spec 003's example)")
	require.GreaterOrEqual(t, grid, 3, "phrase suggestions for 网格 (spec 003 §10)")

	// An operator's edits survive the next start.
	require.NoError(t, db.Model(&models.Tenant{}).Where("id = ?", models.DemoTenantID).Update("name", "Renamed Shop").Error)
	require.NoError(t, db.Model(&models.Agent{}).Where("id = ?", "agent1").Update("capacity", 5).Error)
	inserted, err = models.SeedDemo(ctx, db)
	require.NoError(t, err)
	require.False(t, inserted)
	require.NoError(t, db.Take(&tenant, "id = ?", models.DemoTenantID).Error)
	require.Equal(t, "Renamed Shop", tenant.Name)
	var agent1 models.Agent
	require.NoError(t, db.Take(&agent1, "id = ?", "agent1").Error)
	require.Equal(t, 5, agent1.Capacity)
	require.Equal(t, first, rowCounts(t, db))

	// A missing row is restored without touching the others.
	require.NoError(t, db.Delete(&models.FAQEntry{}, "question = ?", "版本").Error)
	inserted, err = models.SeedDemo(ctx, db)
	require.NoError(t, err)
	require.True(t, inserted)
	require.Equal(t, first, rowCounts(t, db))
	require.NoError(t, db.Take(&tenant, "id = ?", models.DemoTenantID).Error)
	require.Equal(t, "Renamed Shop", tenant.Name)
}

func rowCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, model := range models.All() {
		var n int64
		require.NoError(t, db.Model(model).Count(&n).Error)
		out[tableName(t, db, model)] = n
	}
	return out
}
