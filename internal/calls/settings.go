package calls

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/models"
)

// Defaults of a channel's click-to-call settings.
const (
	DefaultQueueTimeoutSec = 120
	DefaultRingTimeoutSec  = 30
	// maxTimeoutSec bounds both timeouts: a call nobody answers in an hour is a typo.
	maxTimeoutSec = 3600
)

// Settings are a channel's click-to-call settings as the admin API shows them.
type Settings struct {
	ChannelConfigID string `json:"channelConfigId"`
	Enabled         bool   `json:"enabled"`
	VideoAllowed    bool   `json:"videoAllowed"`
	QueueTimeoutSec int    `json:"queueTimeoutSec"`
	RingTimeoutSec  int    `json:"ringTimeoutSec"`
}

// SettingsUpdate changes a channel's settings; a nil field keeps its value.
type SettingsUpdate struct {
	Enabled         *bool `json:"enabled"`
	VideoAllowed    *bool `json:"videoAllowed"`
	QueueTimeoutSec *int  `json:"queueTimeoutSec"`
	RingTimeoutSec  *int  `json:"ringTimeoutSec"`
}

// InvalidError is a settings change that breaks a rule; nothing was written.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// ErrNoChannel is a channel config that does not exist.
var ErrNoChannel = errors.New("channel config not found")

// ChannelSettings reads a channel's settings; a channel without a row has
// click-to-call off with the defaults.
func (s *Store) ChannelSettings(ctx context.Context, channelID string) (Settings, error) {
	var row models.ClickToCallSetting
	err := s.DB.WithContext(ctx).Where("channel_config_id = ?", channelID).Limit(1).Find(&row).Error
	if err != nil {
		return Settings{}, fmt.Errorf("click-to-call settings of %s: %w", channelID, err)
	}
	out := Settings{ChannelConfigID: channelID, QueueTimeoutSec: DefaultQueueTimeoutSec, RingTimeoutSec: DefaultRingTimeoutSec}
	if row.ChannelConfigID != "" {
		out.Enabled, out.VideoAllowed = row.Enabled, row.VideoAllowed
		out.QueueTimeoutSec, out.RingTimeoutSec = row.QueueTimeoutSec, row.RingTimeoutSec
	}
	return out, nil
}

// UpdateSettings applies a change to an existing channel's settings.
func (s *Store) UpdateSettings(ctx context.Context, channelID string, u SettingsUpdate) (Settings, error) {
	var ch models.ChannelConfig
	err := s.DB.WithContext(ctx).Where("id = ?", channelID).Take(&ch).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Settings{}, ErrNoChannel
	}
	if err != nil {
		return Settings{}, fmt.Errorf("read channel config %s: %w", channelID, err)
	}
	cur, err := s.ChannelSettings(ctx, channelID)
	if err != nil {
		return Settings{}, err
	}
	if u.Enabled != nil {
		cur.Enabled = *u.Enabled
	}
	if u.VideoAllowed != nil {
		cur.VideoAllowed = *u.VideoAllowed
	}
	if u.QueueTimeoutSec != nil {
		cur.QueueTimeoutSec = *u.QueueTimeoutSec
	}
	if u.RingTimeoutSec != nil {
		cur.RingTimeoutSec = *u.RingTimeoutSec
	}
	if cur.QueueTimeoutSec < 1 || cur.QueueTimeoutSec > maxTimeoutSec {
		return Settings{}, &InvalidError{fmt.Sprintf("queueTimeoutSec must be from 1 to %d", maxTimeoutSec)}
	}
	if cur.RingTimeoutSec < 1 || cur.RingTimeoutSec > maxTimeoutSec {
		return Settings{}, &InvalidError{fmt.Sprintf("ringTimeoutSec must be from 1 to %d", maxTimeoutSec)}
	}
	row := models.ClickToCallSetting{
		ChannelConfigID: channelID, TenantID: ch.TenantID, Enabled: cur.Enabled, VideoAllowed: cur.VideoAllowed,
		QueueTimeoutSec: cur.QueueTimeoutSec, RingTimeoutSec: cur.RingTimeoutSec, UpdatedAt: time.Now().UTC(),
	}
	err = s.DB.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
	if err != nil {
		return Settings{}, fmt.Errorf("save click-to-call settings of %s: %w", channelID, err)
	}
	return cur, nil
}

// SettingsOf reads an existing channel's settings (ErrNoChannel otherwise).
func (s *Store) SettingsOf(ctx context.Context, channelID string) (Settings, error) {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&models.ChannelConfig{}).Where("id = ?", channelID).Count(&n).Error; err != nil {
		return Settings{}, fmt.Errorf("read channel config %s: %w", channelID, err)
	}
	if n == 0 {
		return Settings{}, ErrNoChannel
	}
	return s.ChannelSettings(ctx, channelID)
}
