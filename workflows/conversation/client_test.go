package conversation

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
)

// A conversation is gone when a signal or update finds no workflow, or a
// start (an update-with-start's) finds it finished; a wrapped one too. An
// unavailable server is not gone: the caller must retry, not answer "no
// session".
func TestIsGone(t *testing.T) {
	notFound := serviceerror.NewNotFound("workflow execution already completed")
	finished := serviceerror.NewWorkflowExecutionAlreadyStarted("already finished", "", "")
	require.True(t, IsGone(notFound))
	require.True(t, IsGone(finished))
	require.True(t, IsGone(fmt.Errorf("failed workflow start: %w", finished)))
	require.False(t, IsGone(serviceerror.NewUnavailable("history down")))
	require.False(t, IsGone(errors.New("other")))
	require.False(t, IsGone(nil))
}
