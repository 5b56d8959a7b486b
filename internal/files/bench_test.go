package files_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/filestest"
	"github.com/ccflow/ccflow/internal/files/storetest"
	"github.com/ccflow/ccflow/models/modelstest"
)

// BenchmarkUploadDownload measures what uploadFileStream and
// downloadFileStream do past the HTTP layer: base64 decoding, sniffing,
// the row and the object on upload; the party check, the object and base64
// encoding on download; for 100 KB and 5 MB files on the directory store
// and on S3 (gofakes3 in this process, over loopback HTTP, and with
// CCFLOW_TEST_S3_BIN versitygw, a real S3 server). It reports MB/s
// of file bytes and the p99 of one call (BENCHMARKS.md).
func BenchmarkUploadDownload(b *testing.B) {
	stores := map[string]func(b *testing.B) files.Store{
		"dir": func(b *testing.B) files.Store {
			s, err := files.NewDirStore(b.TempDir())
			require.NoError(b, err)
			return s
		},
		"s3":        func(b *testing.B) files.Store { return storetest.FakeS3(b) },
		"versitygw": func(b *testing.B) files.Store { return storetest.RealS3(b) },
	}
	names := []string{"dir", "s3"}
	if os.Getenv(storetest.S3BinEnv) != "" {
		names = append(names, "versitygw")
	}
	for _, name := range names {
		for _, size := range []int{100 << 10, 5 << 20} {
			b.Run(fmt.Sprintf("%s/%dKB", name, size>>10), func(b *testing.B) {
				ctx := context.Background()
				s := &files.Service{DB: modelstest.SQLiteDB(b), Store: stores[name](b), Limits: files.Limits{files.ClassVideo: 50 << 20}}
				encoded := base64.StdEncoding.EncodeToString(filestest.Sized("mp4", size))
				var up, down []time.Duration
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					data, err := base64.StdEncoding.DecodeString(encoded)
					require.NoError(b, err)
					f, err := s.Upload(ctx, visitor, "mp4", data)
					require.NoError(b, err)
					up = append(up, time.Since(t0))
					t0 = time.Now()
					_, got, err := s.Open(ctx, visitor, f.ObjectKey, "mp4")
					require.NoError(b, err)
					_ = base64.StdEncoding.EncodeToString(got)
					down = append(down, time.Since(t0))
				}
				b.StopTimer()
				report(b, "up", up, size)
				report(b, "down", down, size)
			})
		}
	}
}

func report(b *testing.B, what string, d []time.Duration, size int) {
	slices.Sort(d)
	var total time.Duration
	for _, x := range d {
		total += x
	}
	b.ReportMetric(float64(size)*float64(len(d))/total.Seconds()/1e6, what+"-MB/s")
	b.ReportMetric(float64(d[(len(d)*99)/100].Microseconds())/1000, what+"-p99-ms")
}
