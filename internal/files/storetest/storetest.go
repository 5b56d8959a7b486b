// Package storetest is the one test suite every files.Store passes.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
)

// Run runs the suite against the store newStore returns (a fresh, empty one per call).
func Run(t *testing.T, newStore func(t *testing.T) files.Store) {
	ctx := context.Background()
	t.Run("round trip is byte for byte", func(t *testing.T) {
		s := newStore(t)
		for _, size := range []int{0, 1, 100 << 10, 5 << 20} {
			data := make([]byte, size)
			_, err := rand.Read(data)
			require.NoError(t, err)
			key := files.NewKey()
			require.NoError(t, s.Put(ctx, key, bytes.NewReader(data), int64(size), "application/octet-stream"))
			require.Equal(t, data, read(t, s, key), "size %d", size)
		}
	})
	t.Run("a key is never overwritten", func(t *testing.T) {
		s := newStore(t)
		key := files.NewKey()
		require.NoError(t, s.Put(ctx, key, bytes.NewReader([]byte("first")), 5, "text/plain"))
		err := s.Put(ctx, key, bytes.NewReader([]byte("second")), 6, "text/plain")
		require.ErrorIs(t, err, files.ErrExists)
		require.Equal(t, []byte("first"), read(t, s, key))
	})
	t.Run("a missing key is ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(ctx, files.NewKey())
		require.ErrorIs(t, err, files.ErrNotFound)
	})
	t.Run("keys that are not ours name nothing", func(t *testing.T) {
		s := newStore(t)
		for _, key := range []string{"", "../../etc/passwd", "files/x", "ABC", "44992392-2078-4caa-af3f-16cc328db29"} {
			require.ErrorIs(t, s.Put(ctx, key, bytes.NewReader(nil), 0, "text/plain"), files.ErrBadKey, key)
			_, err := s.Get(ctx, key)
			require.ErrorIs(t, err, files.ErrNotFound, key)
		}
	})
	t.Run("delete removes, twice is fine", func(t *testing.T) {
		s := newStore(t)
		key := files.NewKey()
		require.NoError(t, s.Put(ctx, key, bytes.NewReader([]byte("x")), 1, "text/plain"))
		require.NoError(t, s.Delete(ctx, key))
		require.NoError(t, s.Delete(ctx, key))
		_, err := s.Get(ctx, key)
		require.ErrorIs(t, err, files.ErrNotFound)
	})
	t.Run("a short body stores nothing", func(t *testing.T) {
		s := newStore(t)
		key := files.NewKey()
		err := s.Put(ctx, key, io.LimitReader(bytes.NewReader(make([]byte, 10)), 4), 10, "text/plain")
		require.Error(t, err)
		_, err = s.Get(ctx, key)
		require.True(t, errors.Is(err, files.ErrNotFound), "a failed put left an object: %v", err)
	})
	t.Run("keys are unique and not guessable", func(t *testing.T) {
		seen := map[string]bool{}
		for range 1000 {
			k := files.NewKey()
			require.True(t, files.ValidKey(k))
			require.False(t, seen[k])
			seen[k] = true
		}
	})
}

func read(t *testing.T, s files.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	require.NoError(t, err)
	defer func() { require.NoError(t, rc.Close()) }()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

// FakeS3 is an S3Store on gofakes3, an S3 protocol server in this process
// (README: Files), with its bucket made; it stops with the test.
func FakeS3(t testing.TB) *files.S3Store {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	s, err := files.NewS3Store(files.S3Config{Endpoint: srv.URL, Bucket: "ccflow", AccessKey: "k", SecretKey: "s", PathStyle: true})
	require.NoError(t, err)
	require.NoError(t, s.CreateBucket(context.Background()))
	require.NoError(t, s.Ping(context.Background()))
	return s
}
