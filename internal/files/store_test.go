package files_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/storetest"
)

func TestDirStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) files.Store {
		s, err := files.NewDirStore(t.TempDir())
		require.NoError(t, err)
		return s
	})
}

func TestS3Store(t *testing.T) {
	storetest.Run(t, func(t *testing.T) files.Store { return storetest.FakeS3(t) })
}

// TestS3StoreOnVersitygw runs the suite against a real S3 server,
// versitygw (CCFLOW_TEST_S3_BIN; .ci/run builds it).
func TestS3StoreOnVersitygw(t *testing.T) {
	storetest.Run(t, func(t *testing.T) files.Store { return storetest.RealS3(t) })
}
