package activities

import (
	"context"

	"github.com/ccflow/ccflow/internal/faq"
)

// Robot answers visitors from their tenant's FAQ. Workflows call its methods
// through a nil *Robot; the worker registers one with a Library.
type Robot struct {
	FAQ *faq.Library
}

// RobotQuestion is a visitor's message for the robot.
type RobotQuestion struct {
	TenantID string
	Text     string
	// Locale is the channel's language. The matcher works across languages,
	// so it is unused today; it travels with the question so that localised
	// answers need no change to the activity's payload.
	Locale string
}

// RobotAnswer is the robot's reply; the workflow turns it into messages.
type RobotAnswer struct {
	// Matched is false when no entry answers; Answer is then empty and the
	// workflow decides what to say (and counts the miss).
	Matched bool
	Answer  string
	FAQID   uint64
	// SimQuestions are near matches to offer the visitor, spec 003's simQuestions.
	SimQuestions []string
}

// Answer looks the question up in the tenant's FAQ. A database error is
// returned so the activity retries; "no match" is an answer, not an error.
func (r *Robot) Answer(ctx context.Context, q RobotQuestion) (RobotAnswer, error) {
	res, err := r.FAQ.Answer(ctx, q.TenantID, q.Text)
	if err != nil {
		return RobotAnswer{}, err
	}
	a := RobotAnswer{Matched: res.Matched, SimQuestions: res.Similar}
	if res.Matched {
		a.Answer, a.FAQID = res.Entry.Answer, res.Entry.ID
	}
	return a, nil
}
