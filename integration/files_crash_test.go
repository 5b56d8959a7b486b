package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/filestest"
	"github.com/ccflow/ccflow/models"
)

// postJSON posts body and decodes the answer, without require: it runs in
// a goroutine while the server is killed under it.
func postJSON(url string, headers map[string]string, body, out any) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = res.Body.Close() }()
	return res.StatusCode, json.NewDecoder(res.Body).Decode(out)
}

// TestKillDuringFileSendsLeavesNoMessageWithoutItsFile uploads and sends
// files as fast as it can and SIGKILLs ccflow in the middle. After the
// restart, every message that names a file names one whose row is stored
// and whose object is on disk, and every key an upload answered still has
// its object: a kill between the object write and the message write leaves
// at most a file without a message (the hourly cleanup's), never the reverse.
func TestKillDuringFileSendsLeavesNoMessageWithoutItsFile(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	waitReady(t, p, n.url())
	v := newVisitor(t, n.url(), "file-crash-visitor")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	v.waitGreeting()

	var mu sync.Mutex
	var answered []string
	sent := 0
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			data := filestest.Sized("png", 4096+i)
			var up struct{ ResultCode, ObjectKey string }
			code, err := postJSON(n.url()+"/apiaccess/ccmessaging/uploadFileStream", v.headers(),
				map[string]string{"fileType": "png", "channel": "WEB", "fileStream": base64.StdEncoding.EncodeToString(data)}, &up)
			if err != nil || code != http.StatusOK {
				continue
			}
			mu.Lock()
			answered = append(answered, up.ObjectKey)
			mu.Unlock()
			var ans sendAnswer
			code, err = postJSON(n.url()+"/apiaccess/ccmessaging/send", v.headers(), map[string]any{
				"content": up.ObjectKey + ",png", "controlType": "CHAT", "from": v.id, "mediaType": "IMAGE",
				"sourceType": "CUSTOMER", "to": demoChannel, "channel": "WEB",
			}, &ans)
			if err == nil && code == http.StatusOK {
				mu.Lock()
				sent++
				mu.Unlock()
			}
		}
	}()
	eventually(t, 60*time.Second, "some files sent before the kill", func() error {
		mu.Lock()
		defer mu.Unlock()
		if sent < 10 {
			return errNotYet
		}
		return nil
	})
	p.kill()
	close(stop)
	<-done

	p2 := start(t, n.env())
	waitReady(t, p2, n.url())
	db := openAppDB(t, n.dataDir)
	var recs []models.ChatRecord
	require.NoError(t, db.Where("user_id = ? AND media_type = ?", v.id, "IMAGE").Find(&recs).Error)
	require.GreaterOrEqual(t, len(recs), 10)
	objectOf := func(key string) error {
		_, err := os.Stat(filepath.Join(n.dataDir, "files", key[:2], key[2:4], key))
		return err
	}
	for _, r := range recs {
		key, typ, ok := files.ParseContent(r.Content)
		require.True(t, ok, r.Content)
		var f models.StoredFile
		require.NoError(t, db.Where("object_key = ?", key).Take(&f).Error, "message %d names a file without a row", r.Seq)
		require.Equal(t, files.StateStored, f.State)
		require.Equal(t, typ, f.FileType)
		require.NoError(t, objectOf(key), "message %d names a file without an object", r.Seq)
	}
	for _, key := range answered {
		err := objectOf(key)
		require.False(t, errors.Is(err, os.ErrNotExist), "upload %s was answered but its object is gone", key)
	}
	t.Logf("%d uploads answered, %d messages with files before the kill", len(answered), len(recs))

	// The files sent before the kill still download byte for byte.
	var f models.StoredFile
	require.NoError(t, db.Where("object_key = ?", mustKey(t, recs[0].Content)).Take(&f).Error)
	var down struct{ ResultCode, FileStream string }
	code, err := postJSON(n.url()+"/apiaccess/ccmessaging/downloadFileStream", v.headers(),
		map[string]string{"fileId": recs[0].Content, "fileType": "png", "channel": "WEB"}, &down)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, fmt.Sprint(down))
	data, err := base64.StdEncoding.DecodeString(down.FileStream)
	require.NoError(t, err)
	require.EqualValues(t, f.Size, len(data))
}

func mustKey(t *testing.T, content string) string {
	key, _, ok := files.ParseContent(content)
	require.True(t, ok, content)
	return key
}
