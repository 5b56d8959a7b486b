package app

import (
	"maps"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/routing"
)

// searchAttributes are the custom search attributes of every ccflow
// workflow, registered at start: the conversations' and routing's.
func searchAttributes() map[string]enumspb.IndexedValueType {
	out := conversation.SearchAttributes()
	maps.Copy(out, routing.SearchAttributes())
	return out
}
