package files_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// Samples of each type, small and real enough for content sniffing.
var (
	samplePNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	sampleJPG    = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}, bytes.Repeat([]byte{1}, 64)...)
	sampleEXE    = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 64)...)
)

var visitor = files.Party{Type: files.PartyCustomer, TenantID: "t1", ChannelConfigID: "c1", UserID: "u1"}

func newService(t *testing.T) (*files.Service, *failingStore) {
	dir, err := files.NewDirStore(t.TempDir())
	require.NoError(t, err)
	st := &failingStore{Store: dir}
	return &files.Service{DB: modelstest.SQLiteDB(t), Store: st, Limits: files.Limits{files.ClassImage: 1 << 20, files.ClassText: 100}}, st
}

// failingStore fails its Puts while fail is set.
type failingStore struct {
	files.Store
	fail error
}

func (f *failingStore) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	if f.fail != nil {
		return f.fail
	}
	return f.Store.Put(ctx, key, r, size, ct)
}

func TestUploadRefusesBadInputAndStoresNothing(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	cases := []struct {
		typ  string
		data []byte
		want error
	}{
		{"gif", samplePNG, files.ErrBadType},
		{"png", nil, files.ErrEmpty},
		{"jpg", sampleEXE, files.ErrMismatch},
		{"png", sampleJPG, files.ErrMismatch},
		{"txt", bytes.Repeat([]byte("a"), 101), files.ErrTooLarge},
	}
	for _, c := range cases {
		_, err := s.Upload(ctx, visitor, c.typ, c.data)
		require.ErrorIs(t, err, c.want, c.typ)
	}
	var n int64
	require.NoError(t, s.DB.Model(&models.StoredFile{}).Count(&n).Error)
	require.Zero(t, n)
}

func TestOnlyPartiesDownload(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	f, err := s.Upload(ctx, visitor, "png", samplePNG)
	require.NoError(t, err)
	require.True(t, files.ValidKey(f.ObjectKey))

	_, data, err := s.Open(ctx, visitor, f.ObjectKey, "png")
	require.NoError(t, err)
	require.Equal(t, samplePNG, data)

	other := visitor
	other.UserID = "u2"
	otherTenant := visitor
	otherTenant.TenantID = "t2"
	agent := files.Party{Type: files.PartyAgent, TenantID: "t1", UserID: "a1"}
	for _, p := range []files.Party{other, otherTenant, agent} {
		_, _, err := s.Open(ctx, p, f.ObjectKey, "png")
		require.ErrorIs(t, err, files.ErrNoFile, "%+v", p)
		// The same answer as for a key that does not exist.
		_, _, err = s.Open(ctx, p, files.NewKey(), "png")
		require.ErrorIs(t, err, files.ErrNoFile)
	}
	_, _, err = s.Open(ctx, visitor, f.ObjectKey, "jpg")
	require.ErrorIs(t, err, files.ErrTypeDiffers)

	_, err = s.Attach(ctx, other, f.ObjectKey, "png", "conv-x")
	require.ErrorIs(t, err, files.ErrNoFile, "another visitor cannot send my file")
	_, err = s.Attach(ctx, visitor, f.ObjectKey, "jpg", "conv-1")
	require.ErrorIs(t, err, files.ErrTypeDiffers)

	integration := files.Party{TenantID: "t1"}
	_, _, err = s.Open(ctx, integration, f.ObjectKey, "png")
	require.NoError(t, err)
	supervisor := files.Party{Type: files.PartyAgent, TenantID: "t1", UserID: "s1", Supervisor: true}
	_, _, err = s.Open(ctx, supervisor, f.ObjectKey, "png")
	require.NoError(t, err)
}

func TestBpmIsBmp(t *testing.T) {
	s, _ := newService(t)
	bmp := append([]byte("BM"), bytes.Repeat([]byte{0}, 60)...)
	f, err := s.Upload(context.Background(), visitor, "bpm", bmp)
	require.NoError(t, err)
	require.Equal(t, "bmp", f.FileType)
	_, data, err := s.Open(context.Background(), visitor, f.ObjectKey, "bmp")
	require.NoError(t, err)
	require.Equal(t, bmp, data)
}

func TestStoreFailureLeavesNoUsableKey(t *testing.T) {
	s, st := newService(t)
	ctx := context.Background()
	st.fail = errors.New("disk full")
	_, err := s.Upload(ctx, visitor, "png", samplePNG)
	require.ErrorIs(t, err, files.ErrStore)
	var pending models.StoredFile
	require.NoError(t, s.DB.Take(&pending).Error)
	require.Equal(t, files.StatePending, pending.State)
	_, err = s.Attach(ctx, visitor, pending.ObjectKey, "png", "conv-1")
	require.ErrorIs(t, err, files.ErrNoFile, "a pending file cannot be sent")

	n, err := s.RemoveUnreferenced(ctx, time.Now().Add(2*time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestUnreferencedUploadsGoAfterAnHour(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	sent, err := s.Upload(ctx, visitor, "png", samplePNG)
	require.NoError(t, err)
	unsent, err := s.Upload(ctx, visitor, "png", samplePNG)
	require.NoError(t, err)
	_, err = s.Attach(ctx, visitor, sent.ObjectKey, "png", "conv-1")
	require.NoError(t, err)

	n, err := s.RemoveUnreferenced(ctx, time.Now().Add(30*time.Minute), 10)
	require.NoError(t, err)
	require.Zero(t, n, "not an hour yet")
	n, err = s.RemoveUnreferenced(ctx, time.Now().Add(61*time.Minute), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = s.Store.Get(ctx, unsent.ObjectKey)
	require.ErrorIs(t, err, files.ErrNotFound)
	_, err = s.Store.Get(ctx, sent.ObjectKey)
	require.NoError(t, err)
	_, err = s.Attach(ctx, visitor, unsent.ObjectKey, "png", "conv-1")
	require.ErrorIs(t, err, files.ErrNoFile)

	n, err = s.RemoveOlderThan(ctx, "t1", time.Now().Add(time.Minute), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n, "retention removes sent files too")
	_, err = s.Store.Get(ctx, sent.ObjectKey)
	require.ErrorIs(t, err, files.ErrNotFound)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
