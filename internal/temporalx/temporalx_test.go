package temporalx

import (
	"testing"

	"github.com/stretchr/testify/require"
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
