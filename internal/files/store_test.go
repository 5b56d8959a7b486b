package files_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
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
	storetest.Run(t, func(t *testing.T) files.Store { return NewFakeS3(t) })
}

// NewFakeS3 is an S3Store on gofakes3, an S3 protocol server in this process
// (see README: Files), with its bucket made.
func NewFakeS3(t testing.TB) *files.S3Store {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	s, err := files.NewS3Store(files.S3Config{Endpoint: srv.URL, Bucket: "ccflow", AccessKey: "k", SecretKey: "s", PathStyle: true})
	require.NoError(t, err)
	require.NoError(t, s.CreateBucket(context.Background()))
	require.NoError(t, s.Ping(context.Background()))
	return s
}
