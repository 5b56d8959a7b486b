package routing

import (
	"slices"
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes of a routing run beyond CcflowTenant (set at start):
// the skill groups it has queues or agents for, and its agents who are not
// offline, so that `CcflowAgents = 'agent1'` finds the routing serving an
// agent and `CcflowSkillGroups = '11'` the one holding a group's queue.
var (
	SASkillGroups = temporal.NewSearchAttributeKeyKeywordList("CcflowSkillGroups")
	SAAgents      = temporal.NewSearchAttributeKeyKeywordList("CcflowAgents")
)

// SearchAttributes lists routing's search attributes to register at start,
// beside the conversations' (CcflowTenant is one of theirs).
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SASkillGroups.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SAAgents.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	}
}

// searchAttributesVersion adds the upserts below: a command that runs
// started before it never had.
const searchAttributesVersion = "search-attributes"

// indexed is what routing last upserted, so that it upserts only changes.
type indexed struct {
	set            bool
	groups, agents []string
}

// upsertSearchAttributes keeps the run's skill groups and agents current.
func (r *router) upsertSearchAttributes(ctx workflow.Context) {
	if workflow.GetVersion(ctx, searchAttributesVersion, workflow.DefaultVersion, 1) != 1 {
		return
	}
	groups, agents := r.indexValues()
	if r.indexed.set && slices.Equal(groups, r.indexed.groups) && slices.Equal(agents, r.indexed.agents) {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, SASkillGroups.ValueSet(groups), SAAgents.ValueSet(agents)); err != nil {
		// Only Temporal UI's filters miss it; routing goes on.
		workflow.GetLogger(ctx).Warn("search attributes not upserted", "error", err)
		return
	}
	r.indexed = indexed{set: true, groups: groups, agents: agents}
}

// indexValues are the sorted skill groups with a queue or an agent, and the
// agents not offline, each list cut to what Temporal takes in one value.
func (r *router) indexValues() (groups, agents []string) {
	var ids []int64
	for _, e := range r.Queue {
		ids = append(ids, e.SkillGroupID)
	}
	agents = []string{}
	for _, a := range r.Agents {
		ids = append(ids, a.SkillGroups...)
		if a.Status != StatusOffline {
			agents = append(agents, a.ID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	groups = make([]string, 0, len(ids))
	for _, id := range ids {
		groups = append(groups, strconv.FormatInt(id, 10))
	}
	slices.Sort(agents)
	return fitValue(groups), fitValue(agents)
}

// maxValueBytes bounds one search attribute value's encoding: Temporal
// refuses a value over 2 KiB by failing the workflow task (a tenant's few
// hundred agents did), so a list keeps only its first values that fit.
const maxValueBytes = 1800

// fitValue is the longest prefix of values whose JSON list fits maxValueBytes.
func fitValue(values []string) []string {
	size := 2 // the brackets
	for i, v := range values {
		size += len(strconv.Quote(v)) + 1
		if size > maxValueBytes {
			return values[:i]
		}
	}
	return values
}
