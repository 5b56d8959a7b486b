package retention_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/workflows/retention"
)

func TestRetentionRunsBatchesUntilNoneIsLeft(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	batches := []retention.Batch{{Removed: 500, More: true}, {Removed: 500, More: true}, {Removed: 12}}
	calls := 0
	env.RegisterActivityWithOptions(func(context.Context) (retention.Batch, error) {
		b := batches[calls]
		calls++
		return b, nil
	}, activity.RegisterOptions{Name: retention.ActivityName})
	env.ExecuteWorkflow(retention.FileRetentionWorkflow)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var total int
	require.NoError(t, env.GetWorkflowResult(&total))
	require.Equal(t, 1012, total)
	require.Equal(t, 3, calls)
}
