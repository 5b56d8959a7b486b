package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/filestest"
	"github.com/ccflow/ccflow/internal/files/storetest"
	"github.com/ccflow/ccflow/internal/notify"
)

// BenchmarkFileRoutes measures uploadFileStream and downloadFileStream over
// real HTTP (loopback) through the whole router: the JSON body of a base64
// file, the three headers' checks, the file service and its store, and the
// base64 answer, for 100 KB and 5 MB files on the directory store and, with
// CCFLOW_TEST_S3_BIN, on versitygw (a real S3 server, posix backend). It
// reports MB/s of file bytes and each call's p99 (BENCHMARKS.md "Files").
func BenchmarkFileRoutes(b *testing.B) {
	stores := []struct {
		name string
		new  func(b *testing.B) files.Store
	}{
		{"dir", func(b *testing.B) files.Store {
			s, err := files.NewDirStore(b.TempDir())
			require.NoError(b, err)
			return s
		}},
	}
	if os.Getenv(storetest.S3BinEnv) != "" {
		stores = append(stores, struct {
			name string
			new  func(b *testing.B) files.Store
		}{"versitygw", func(b *testing.B) files.Store { return storetest.RealS3(b) }})
	}
	for _, st := range stores {
		for _, size := range []int{100 << 10, 5 << 20} {
			b.Run(fmt.Sprintf("%s/%dKB", st.name, size>>10), func(b *testing.B) {
				srv, h := fileRouteServer(b, st.new(b))
				data := filestest.Sized("mp4", size)
				up, err := json.Marshal(map[string]string{"fileType": "mp4", "channel": "WEB", "fileStream": base64.StdEncoding.EncodeToString(data)})
				require.NoError(b, err)
				var ups, downs []time.Duration
				b.ResetTimer()
				for i := range b.N {
					t0 := time.Now()
					var res uploadResponse
					require.NoError(b, json.Unmarshal(postRoute(b, srv.URL+uploadFilePath, h, up), &res))
					require.Equal(b, "0", res.ResultCode)
					ups = append(ups, time.Since(t0))
					t0 = time.Now()
					down, err := json.Marshal(map[string]string{"fileId": files.Content(res.ObjectKey, "mp4"), "fileType": "mp4", "channel": "WEB"})
					require.NoError(b, err)
					raw := postRoute(b, srv.URL+downloadFilePath, h, down)
					downs = append(downs, time.Since(t0))
					if i == 0 {
						var got struct{ FileStream string }
						require.NoError(b, json.Unmarshal(raw, &got))
						require.Equal(b, base64.StdEncoding.EncodeToString(data), got.FileStream, "byte for byte")
					}
				}
				b.StopTimer()
				reportCalls(b, "up", ups, size)
				reportCalls(b, "down", downs, size)
			})
		}
	}
}

// fileRouteServer serves the full router on loopback with a file service
// on store, and answers the headers of the demo tenant's visitor.
func fileRouteServer(b *testing.B, store files.Store) (*httptest.Server, map[string]string) {
	db := demoDB(b)
	iss := newTestIssuer(b, db, newTestClock())
	d := testDeps(db)
	hub := notify.NewHub()
	d.Tokens = iss
	d.Chat = chat.NewService(&chatlog.Log{DB: db, Pub: hub}, hub, noFlows{}, slog.New(slog.DiscardHandler))
	d.Files = &files.Service{DB: db, Store: store, Logger: slog.New(slog.DiscardHandler), Limits: files.Limits{
		files.ClassImage: 10 << 20, files.ClassAudio: 10 << 20, files.ClassVideo: 50 << 20, files.ClassText: 5 << 20,
	}}
	d.Chat.Files = d.Files
	srv := httptest.NewServer(NewRouter(d))
	b.Cleanup(srv.Close)
	return srv, visitorHeaders(b, iss, demoVisitor("visitor-1"))
}

func postRoute(b *testing.B, url string, h map[string]string, body []byte) []byte {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(b, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b, err)
	require.NoError(b, resp.Body.Close())
	require.Equal(b, http.StatusOK, resp.StatusCode, "%.300s", raw)
	return raw
}

// reportCalls reports MB/s of file bytes and the p99 of one call.
func reportCalls(b *testing.B, what string, d []time.Duration, size int) {
	slices.Sort(d)
	var total time.Duration
	for _, x := range d {
		total += x
	}
	b.ReportMetric(float64(size)*float64(len(d))/total.Seconds()/1e6, what+"-MB/s")
	b.ReportMetric(float64(d[(len(d)*99)/100].Microseconds())/1000, what+"-p99-ms")
}
