package temporalx

import (
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

func TestCompressionOnlyAcrossANetwork(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:7233", "localhost:7233", "[::1]:7233"} {
		require.IsType(t, &client.GrpcCompressionNone{}, compression(addr), addr)
	}
	for _, addr := range []string{"temporal:7233", "10.0.0.5:7233", "temporal.example.com:443", "no-port"} {
		require.IsType(t, &client.GrpcCompressionGzip{}, compression(addr), addr)
	}
}

// TestCreateCommandsNameEachMissingAttribute: when ccflow cannot register
// its search attributes, the error tells the operator the commands to run.
func TestCreateCommandsNameEachMissingAttribute(t *testing.T) {
	got := createCommands("prod", map[string]enumspb.IndexedValueType{
		"CcflowPhase":  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"CcflowAgents": enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	})
	require.Equal(t, "temporal operator search-attribute create --namespace prod --name CcflowAgents --type KeywordList; "+
		"temporal operator search-attribute create --namespace prod --name CcflowPhase --type Keyword", got)
}
