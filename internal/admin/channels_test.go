package admin

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

func TestChannelConfigLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cc, err := s.CreateChannelConfig(ctx, NewChannelConfig{TenantID: models.DemoTenantID, ChannelConfigFields: ChannelConfigFields{
			Name: ptr("App"), DefaultSkillGroup: ptr(int64(12)), WorkingHours: ptr("mon-fri 09:00-18:00; sat 10:00-16:00"),
		}})
		require.NoError(t, err)
		require.Regexp(t, `^[1-9][0-9]{18}$`, cc.ID)
		require.True(t, cc.RobotEnabled, "defaults are the demo channel's")
		require.Equal(t, "Asia/Shanghai", cc.TimeZone)
		require.Equal(t, "zh", cc.Locale)
		require.Equal(t, 300, cc.MaxQueueWaitSec)

		updated, err := s.UpdateChannelConfig(ctx, cc.ID, ChannelConfigFields{
			Locale: ptr("en"), RobotEnabled: ptr(false), TimeZone: ptr("Europe/Berlin"), QueueIdleSec: ptr(0), DefaultSkillGroup: ptr(int64(11)),
		})
		require.NoError(t, err)
		require.Equal(t, "en", updated.Locale)
		require.False(t, updated.RobotEnabled)
		require.Equal(t, "mon-fri 09:00-18:00; sat 10:00-16:00", updated.WorkingHours)
		got, err := s.ChannelConfig(ctx, cc.ID)
		require.NoError(t, err)
		require.Equal(t, updated.UpdatedAt, got.UpdatedAt)
		require.Equal(t, "Europe/Berlin", got.TimeZone)
		require.EqualValues(t, 11, got.DefaultSkillGroup)

		all, err := s.ChannelConfigs(ctx, models.DemoTenantID, Page{})
		require.NoError(t, err)
		require.EqualValues(t, 2, all.Total)

		_, err = s.DeleteChannelConfig(ctx, cc.ID)
		require.NoError(t, err)
		_, err = s.ChannelConfig(ctx, cc.ID)
		requireRefused(t, err, KindNotFound, "there is no channel config")
	})
}

func TestChannelConfigValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, err := s.CreateTenant(ctx, newShop("shop2", 2, "2002"))
		require.NoError(t, err)
		_, err = s.CreateSkillGroup(ctx, NewSkillGroup{ID: 21, TenantID: "shop2", SkillGroupFields: SkillGroupFields{Name: ptr("other")}})
		require.NoError(t, err)
		create := func(f func(*ChannelConfigFields)) func() error {
			return func() error {
				in := NewChannelConfig{TenantID: models.DemoTenantID, ChannelConfigFields: ChannelConfigFields{Name: ptr("x"), DefaultSkillGroup: ptr(int64(11))}}
				f(&in.ChannelConfigFields)
				_, err := s.CreateChannelConfig(ctx, in)
				return err
			}
		}
		for msg, f := range map[string]func(*ChannelConfigFields){
			"name is required": func(f *ChannelConfigFields) { f.Name = nil },
			`workingHours: working hours rule "mon-fri 9-18"`:        func(f *ChannelConfigFields) { f.WorkingHours = ptr("mon-fri 9-18") },
			`timeZone "Mars/Olympus" is not a known IANA time zone`:  func(f *ChannelConfigFields) { f.TimeZone = ptr("Mars/Olympus") },
			`timeZone "Local" is not a known`:                        func(f *ChannelConfigFields) { f.TimeZone = ptr("Local") },
			"timeZone is required":                                   func(f *ChannelConfigFields) { f.TimeZone = ptr("") },
			"locale must be zh or en":                                func(f *ChannelConfigFields) { f.Locale = ptr("fr") },
			"maxQueueWaitSec must be from 1 to 2592000":              func(f *ChannelConfigFields) { f.MaxQueueWaitSec = ptr(-1) },
			"robotIdleSec must be from 1":                            func(f *ChannelConfigFields) { f.RobotIdleSec = ptr(-5) },
			"agentIdleSec must be from 1":                            func(f *ChannelConfigFields) { f.AgentIdleSec = ptr(0) },
			"maxQueueWaitSec must be from 1":                         func(f *ChannelConfigFields) { f.MaxQueueWaitSec = ptr(0) },
			"satisfactionSec must be from 1":                         func(f *ChannelConfigFields) { f.SatisfactionSec = ptr(0) },
			"satisfactionSec must be from 1 to 2592000":              func(f *ChannelConfigFields) { f.SatisfactionSec = ptr(3_000_000) },
			"robotMaxMisses must be from 0 to 100":                   func(f *ChannelConfigFields) { f.RobotMaxMisses = ptr(-1) },
			"robotGreeting must be at most 500 characters":           func(f *ChannelConfigFields) { f.RobotGreeting = ptr(string(make([]rune, 501))) },
			"defaultSkillGroup must be from 1":                       func(f *ChannelConfigFields) { f.DefaultSkillGroup = nil },
			`defaultSkillGroup: tenant "demo" has no skill group 99`: func(f *ChannelConfigFields) { f.DefaultSkillGroup = ptr(int64(99)) },
			`defaultSkillGroup: tenant "demo" has no skill group 21`: func(f *ChannelConfigFields) { f.DefaultSkillGroup = ptr(int64(21)) },
		} {
			unchanged(t, s, KindInvalid, msg, create(f))
		}
		unchanged(t, s, KindConflict, `channel config "1011577355744904195" already exists`, func() error {
			_, err := s.CreateChannelConfig(ctx, NewChannelConfig{ID: models.DemoChannelConfigID, TenantID: models.DemoTenantID,
				ChannelConfigFields: ChannelConfigFields{Name: ptr("x"), DefaultSkillGroup: ptr(int64(11))}})
			return err
		})
		unchanged(t, s, KindInvalid, "locale must be zh or en", func() error {
			_, err := s.UpdateChannelConfig(ctx, models.DemoChannelConfigID, ChannelConfigFields{Name: ptr("renamed"), Locale: ptr("de")})
			return err
		})
		unchanged(t, s, KindInvalid, `tenant "demo" has no skill group 21`, func() error {
			_, err := s.UpdateChannelConfig(ctx, models.DemoChannelConfigID, ChannelConfigFields{DefaultSkillGroup: ptr(int64(21))})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no channel config 42", func() error {
			_, err := s.UpdateChannelConfig(ctx, "42", ChannelConfigFields{})
			return err
		})
	})
}
