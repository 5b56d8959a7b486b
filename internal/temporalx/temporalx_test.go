package temporalx

import (
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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

// TestSDKTimersAreHistograms: the SDK's latencies reach Prometheus as
// histograms (buckets that add up across replicas), not as summaries.
func TestSDKTimersAreHistograms(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts, closer := options("127.0.0.1:7233", "default", slog.New(slog.DiscardHandler), reg)
	defer func() { require.NoError(t, closer.Close()) }()
	opts.MetricsHandler.WithTags(map[string]string{"operation": "StartWorkflowExecution"}).
		Timer("temporal_request_latency").Record(30 * time.Millisecond)
	families, err := reg.Gather()
	require.NoError(t, err)
	var found *dto.MetricFamily
	for _, f := range families {
		if f.GetName() == "temporal_request_latency" {
			found = f
		}
	}
	require.NotNil(t, found, "the SDK's request latency is registered")
	require.Equal(t, dto.MetricType_HISTOGRAM, found.GetType())
	require.Equal(t, uint64(1), found.GetMetric()[0].GetHistogram().GetSampleCount())
}
