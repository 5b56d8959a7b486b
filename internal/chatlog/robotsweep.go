package chatlog

import (
	"context"
	"fmt"
	"time"

	"github.com/ccflow/ccflow/models"
)

// RobotQuestion is a robot-phase question whose signal to the workflow is
// not confirmed: the conversation and the newest such question's seq.
type RobotQuestion struct {
	ConversationID string
	Seq            int64
}

// RobotSignalled clears a question's mark once its workflow was told of
// it, unless a newer question was marked meanwhile.
func (l *Log) RobotSignalled(ctx context.Context, conversationID string, seq int64) error {
	err := l.DB.WithContext(ctx).Model(&models.Conversation{}).
		Where("id = ? AND robot_unsignalled_seq > 0 AND robot_unsignalled_seq <= ?", conversationID, seq).
		Update("robot_unsignalled_seq", 0).Error
	if err != nil {
		return fmt.Errorf("clear robot question mark of %s: %w", conversationID, err)
	}
	return nil
}

// RobotUnsignalled lists robot-phase conversations with a question whose
// signal was not confirmed and that were quiet since before a moment: the
// send that wrote it is given time to signal it itself.
func (l *Log) RobotUnsignalled(ctx context.Context, before time.Time, limit int) ([]RobotQuestion, error) {
	var out []RobotQuestion
	err := l.DB.WithContext(ctx).Model(&models.Conversation{}).
		Select("id AS conversation_id, robot_unsignalled_seq AS seq").
		Where("robot_unsignalled_seq > 0 AND phase = ? AND last_activity < ?", PhaseRobot, before).
		Order("last_activity").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list unsignalled robot questions: %w", err)
	}
	return out, nil
}
