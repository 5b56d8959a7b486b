package conversation

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// recordUpserts records what each search-attribute upsert of the run set,
// as sorted "name=value" lists.
func recordUpserts(h *harness) *[][]string {
	var got [][]string
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		var kv []string
		for k, v := range args.Get(0).(temporal.SearchAttributes).GetUntypedValues() {
			kv = append(kv, fmt.Sprintf("%s=%v", k.GetName(), v))
		}
		slices.Sort(kv)
		got = append(got, kv)
	}).Return(nil)
	return &got
}

// aLife drives a conversation through the robot, the queue, an agent, the
// rating request and the close.
func aLife(h *harness) {
	h.log.known["版本"] = true
	h.at(time.Second, func() { h.ask("版本") })
	h.at(2*time.Second, func() { h.command(ControlTrans2Agent, "") })
	h.at(3*time.Second, func() { h.assign("a1") })
	h.at(4*time.Second, func() { h.command(ControlDisconnect, "") })
	h.at(5*time.Second, func() { h.command(ControlDisconnect, "") })
}

// TestStepsUpsertOnlyWhatChanged: a conversation started with its listing
// (as the API starts it) upserts nothing at its first step or at a robot
// question, and afterwards only the attributes a step changed. Each upsert
// is a visibility write on the store history writes to. (GetVersion's own
// upsert of TemporalChangeVersion, once, is not a typed upsert and is not
// recorded here; the recorded histories show it.)
func TestStepsUpsertOnlyWhatChanged(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	listed := Listing{TenantID: "demo", ChannelID: "ch1", UserID: "visitor-1", Phase: PhaseRobot, SkillGroupID: 11}
	require.NoError(t, h.env.SetTypedSearchAttributesOnStart(listed.SearchAttributes()))
	upserts := recordUpserts(h)
	aLife(h)
	h.start()

	require.Equal(t, [][]string{
		{"CcflowPhase=QUEUED"},
		{"CcflowAgent=a1", "CcflowPhase=AGENT"},
		{"CcflowPhase=SATISFACTION"},
		{"CcflowPhase=CLOSED"},
	}, *upserts)
	require.Contains(t, h.log.contents(SourceRobot), "answer to 版本", "the robot's turn ran")
}

// TestAStartWithoutListingIsListedAtTheFirstStep: the sweep starts the
// workflow of a conversation whose opener died, without search attributes;
// the first step lists it whole.
func TestAStartWithoutListingIsListedAtTheFirstStep(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	upserts := recordUpserts(h)
	h.at(time.Second, func() { h.command(ControlDisconnect, "") })
	h.start()

	require.Equal(t, [][]string{
		{"CcflowAgent=", "CcflowChannelConfig=ch1", "CcflowPhase=ROBOT", "CcflowSkillGroup=11", "CcflowTenant=demo", "CcflowUser=visitor-1"},
		{"CcflowPhase=CLOSED"},
	}, *upserts)
}

// TestBeforeQuietListingEveryStepUpserts: a run that took a step before
// quietListingVersion (its history has no marker there) upserted all six
// attributes at it, and a replay must do the same.
func TestBeforeQuietListingEveryStepUpserts(t *testing.T) {
	h := newHarness(t, PhaseRobot, channel())
	h.env.OnGetVersion(quietListingVersion, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	upserts := recordUpserts(h)
	aLife(h)
	h.start()

	// The start (no listing at it), the robot's turn, and the four phase changes.
	require.Len(t, *upserts, 6)
	require.Len(t, (*upserts)[0], 6)
	require.Len(t, (*upserts)[1], 6, "the robot's turn changed nothing and still upserted everything")
	require.Contains(t, (*upserts)[1], "CcflowPhase=ROBOT")
	require.Equal(t, []string{"CcflowPhase=QUEUED"}, (*upserts)[2], "a change upserts what changed, which a replay does not check")
}
