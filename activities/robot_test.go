package activities

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// runRobot runs Answer as Temporal runs an activity, so the payloads are
// checked to survive the data converter too.
func runRobot(t *testing.T, r *Robot, q RobotQuestion) (RobotAnswer, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(r)
	val, err := env.ExecuteActivity(r.Answer, q)
	if err != nil {
		return RobotAnswer{}, err
	}
	var a RobotAnswer
	require.NoError(t, val.Get(&a))
	return a, nil
}

func TestRobotAnswer(t *testing.T) {
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(context.Background(), db)
	require.NoError(t, err)
	robot := &Robot{FAQ: faq.NewLibrary(db, time.Minute)}

	t.Run("matched", func(t *testing.T) {
		var entry models.FAQEntry
		require.NoError(t, db.Take(&entry, "tenant_id = ? AND question = ?", models.DemoTenantID, "多久发货？").Error)
		a, err := runRobot(t, robot, RobotQuestion{TenantID: models.DemoTenantID, Text: "多久发货", Locale: "zh"})
		require.NoError(t, err)
		require.Equal(t, RobotAnswer{Matched: true, Answer: entry.Answer, FAQID: entry.ID}, a)
	})

	t.Run("ambiguous offers similar questions", func(t *testing.T) {
		a, err := runRobot(t, robot, RobotQuestion{TenantID: models.DemoTenantID, Text: "网格", Locale: "zh"})
		require.NoError(t, err)
		require.False(t, a.Matched)
		require.Empty(t, a.Answer)
		require.Zero(t, a.FAQID)
		require.Len(t, a.SimQuestions, faq.MaxSimilar)
		for _, q := range a.SimQuestions {
			require.True(t, strings.HasPrefix(q, "网格"), q)
		}
	})

	t.Run("matched with similar questions", func(t *testing.T) {
		a, err := runRobot(t, robot, RobotQuestion{TenantID: models.DemoTenantID, Text: "版本", Locale: "zh"})
		require.NoError(t, err)
		require.True(t, a.Matched)
		require.EqualValues(t, 1, a.FAQID)
		require.Equal(t, []string{"网格版APP支持什么手机版本"}, a.SimQuestions)
	})

	t.Run("unmatched", func(t *testing.T) {
		a, err := runRobot(t, robot, RobotQuestion{TenantID: models.DemoTenantID, Text: "asdf qwer", Locale: "en"})
		require.NoError(t, err)
		require.Equal(t, RobotAnswer{}, a)
	})

	t.Run("database error is returned for a retry", func(t *testing.T) {
		broken := modelstest.SQLiteDB(t)
		require.NoError(t, broken.Exec("DROP TABLE faq_entries").Error)
		_, err := runRobot(t, &Robot{FAQ: faq.NewLibrary(broken, time.Minute)},
			RobotQuestion{TenantID: models.DemoTenantID, Text: "版本", Locale: "zh"})
		require.ErrorContains(t, err, `load FAQ of tenant "demo"`)
	})
}
