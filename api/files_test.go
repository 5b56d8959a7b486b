package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/chat"
	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/chatrecords"
	"github.com/ccflow/ccflow/internal/faq"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/filestest"
	"github.com/ccflow/ccflow/internal/notify"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
)

// filesEnv is the chat env with a file service on a directory store.
type filesEnv struct {
	*webEnv
	files *files.Service
	chat  *chat.Service
}

func newFilesEnv(t *testing.T) *filesEnv {
	t.Helper()
	fe := &filesEnv{}
	fe.webEnv = newWebEnvWith(t, func(d *Deps) {
		hub := notify.NewHub()
		d.Chat = chat.NewService(&chatlog.Log{DB: d.Directory.DB, Pub: hub}, hub, noFlows{}, slog.New(slog.DiscardHandler))
		d.ChatRecords = &chatrecords.Store{DB: d.Directory.DB}
		d.FAQ = faq.NewLibrary(d.Directory.DB, 0)
		store, err := files.NewDirStore(t.TempDir())
		require.NoError(t, err)
		d.Files = &files.Service{DB: d.Directory.DB, Store: store, Logger: slog.New(slog.DiscardHandler), Limits: files.Limits{
			files.ClassImage: 2048, files.ClassAudio: 1 << 20, files.ClassVideo: 1 << 20, files.ClassText: 1 << 20,
		}}
		d.Chat.Files = d.Files
		fe.files, fe.chat = d.Files, d.Chat
	})
	return fe
}

func (e *filesEnv) post(path string, headers map[string]string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		require.NoError(e.t, err)
		raw = string(b)
	}
	return e.do(webCall{method: http.MethodPost, path: path, body: raw, headers: headers})
}

func (e *filesEnv) upload(h map[string]string, fileType string, data []byte) string {
	e.t.Helper()
	w := e.post(uploadFilePath, h, map[string]string{"fileType": fileType, "channel": "WEB", "fileStream": base64.StdEncoding.EncodeToString(data)})
	require.Equal(e.t, http.StatusOK, w.Code, w.Body.String())
	var res uploadResponse
	require.NoError(e.t, json.Unmarshal(w.Body.Bytes(), &res))
	require.Equal(e.t, "0", res.ResultCode)
	require.Equal(e.t, "0", res.ReturnCode)
	require.True(e.t, files.ValidKey(res.ObjectKey), res.ObjectKey)
	return res.ObjectKey
}

func (e *filesEnv) download(h map[string]string, fileID, fileType string) (*httptest.ResponseRecorder, []byte) {
	e.t.Helper()
	w := e.post(downloadFilePath, h, map[string]string{"fileId": fileID, "fileType": fileType, "channel": "WEB"})
	if w.Code != http.StatusOK {
		return w, nil
	}
	var res struct{ ResultCode, FileStream string }
	require.NoError(e.t, json.Unmarshal(w.Body.Bytes(), &res), w.Body.String())
	require.Equal(e.t, "0", res.ResultCode)
	data, err := base64.StdEncoding.DecodeString(res.FileStream)
	require.NoError(e.t, err)
	return w, data
}

func (e *filesEnv) storedFiles() int64 {
	var n int64
	require.NoError(e.t, e.db.Model(&models.StoredFile{}).Count(&n).Error)
	return n
}

func otherTenantVisitor(userID string) token.VisitorClaims {
	return token.VisitorClaims{TenantID: otherTenant, AppKey: otherAppKey, ChannelConfigID: otherChannel, UserID: userID, UserName: "Olga", Locale: "en"}
}

func TestUploadFileStreamAnswersTable82(t *testing.T) {
	e := newFilesEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		desc   string
	}{
		{"empty object", `{}`, 400, "2", "Param is null"},
		{"no body", ``, 400, "2", "Param is null"},
		{"no fileStream", map[string]string{"fileType": "jpg", "channel": "WEB"}, 400, "2", "Param is null: fileStream"},
		{"no channel", map[string]string{"fileType": "png", "fileStream": b64(filestest.Samples["png"])}, 400, "2", "Param is null: channel"},
		{"not JSON", `fileType=jpg`, 400, "3", "Requested param validate failed"},
		{"channel not WEB", map[string]string{"fileType": "png", "channel": "APP", "fileStream": b64(filestest.Samples["png"])}, 400, "3", "channel must be WEB"},
		{"unknown type", map[string]string{"fileType": "gif", "channel": "WEB", "fileStream": b64(filestest.Samples["png"])}, 400, "3", "fileType must be one of"},
		{"base64 garbage", map[string]string{"fileType": "png", "channel": "WEB", "fileStream": "@@@ not base64 ***"}, 400, "13", "decode file failed"},
		{"exe named jpg", map[string]string{"fileType": "jpg", "channel": "WEB", "fileStream": b64(filestest.EXE)}, 400, "3", "not a jpg file"},
		{"png named jpg", map[string]string{"fileType": "jpg", "channel": "WEB", "fileStream": b64(filestest.Samples["png"])}, 400, "3", "image/png, not a jpg"},
		{"oversized image", map[string]string{"fileType": "jpg", "channel": "WEB", "fileStream": b64(filestest.Sized("jpg", 4096))}, 413, "3", "more than the 2048 bytes a jpg file may have"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.post(uploadFilePath, h, c.body)
			require.Equal(t, c.status, w.Code, w.Body.String())
			code, desc := envelope(t, w)
			require.Equal(t, c.code, code, desc)
			require.Contains(t, desc, c.desc)
		})
	}
	require.Zero(t, e.storedFiles(), "a refused upload stores nothing")

	w := e.post(uploadFilePath, nil, map[string]string{"fileType": "png", "channel": "WEB", "fileStream": b64(filestest.Samples["png"])})
	require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
	require.Zero(t, e.storedFiles())

	// The spec's spelling bpm is bmp; the sample's line-broken base64 decodes.
	key := e.upload(h, "bpm", filestest.Samples["bmp"])
	_, data := e.download(h, key, "bmp")
	require.Equal(t, filestest.Samples["bmp"], data)
	enc := b64(filestest.Samples["png"])
	w = e.post(uploadFilePath, h, map[string]string{"fileType": "png", "channel": "WEB", "fileStream": enc[:20] + "\n" + enc[20:]})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

func TestUploadBodyLimitIsRaisedOnlyThere(t *testing.T) {
	e := newFilesEnv(t)
	h := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	// A 1 MB text file (the env's text limit) is above every other route's
	// 1 MB body limit once in base64, and goes through here.
	big := filestest.Sized("txt", 1<<20)
	e.upload(h, "txt", big)
	w := e.post("/apiaccess/ccmessaging/send", h, map[string]string{"channel": "WEB", "content": strings.Repeat("a", 1<<20+10)})
	require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
}

func TestDownloadFileStreamAnswersTable92AndOnlyToParties(t *testing.T) {
	e := newFilesEnv(t)
	ann := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	key := e.upload(ann, "png", filestest.Samples["png"])

	cases := []struct {
		name   string
		body   any
		status int
		code   string
		desc   string
	}{
		{"no fileId", map[string]string{"fileType": "png", "channel": "WEB"}, 400, "401", "objectKey is null!"},
		{"no body", ``, 400, "401", "objectKey is null!"},
		{"no channel", map[string]string{"fileId": key, "fileType": "png"}, 400, "2", "param channelId or userId or tenantId is null"},
		{"type out of range", map[string]string{"fileId": key, "fileType": "gif", "channel": "WEB"}, 400, "13", "param filetype Out of range!"},
		{"no type", map[string]string{"fileId": key, "channel": "WEB"}, 400, "13", "param filetype Out of range!"},
		{"not its type", map[string]string{"fileId": key, "fileType": "jpg", "channel": "WEB"}, 400, "13", "param filetype Out of range!"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.post(downloadFilePath, ann, c.body)
			require.Equal(t, c.status, w.Code, w.Body.String())
			code, desc := envelope(t, w)
			require.Equal(t, c.code, code, desc)
			require.Contains(t, desc, c.desc)
		})
	}

	_, data := e.download(ann, key, "png")
	require.Equal(t, filestest.Samples["png"], data)
	_, data = e.download(ann, key+",png", "png")
	require.Equal(t, filestest.Samples["png"], data, "fileId as poll's content carries it")

	// Another visitor, another tenant: the same answer as for a key that
	// does not exist.
	unknown, _ := e.download(ann, files.NewKey(), "png")
	require.Equal(t, http.StatusForbidden, unknown.Code)
	for _, h := range []map[string]string{
		visitorHeaders(t, e.issuer, demoVisitor("visitor-2")),
		visitorHeaders(t, e.issuer, otherTenantVisitor("visitor-1")),
	} {
		w, data := e.download(h, key, "png")
		require.Nil(t, data)
		require.Equal(t, unknown.Code, w.Code)
		require.Equal(t, unknown.Body.String(), w.Body.String())
		// Nor may they send it.
		w = e.post(downloadFilePath, h, map[string]string{"fileId": key, "fileType": "jpg", "channel": "WEB"})
		require.Equal(t, unknown.Body.String(), w.Body.String(), "a wrong fileType tells nothing either")
	}
	w := e.post(downloadFilePath, nil, map[string]string{"fileId": key, "fileType": "png", "channel": "WEB"})
	require.Equal(t, http.StatusUnauthorized, w.Code)
}

// sendMedia sends one CHAT of mediaType with content as the demo visitor.
func (e *filesEnv) sendMedia(h map[string]string, userID, mediaType, content string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.post("/apiaccess/ccmessaging/send", h, map[string]string{
		"channel": "WEB", "controlType": "CHAT", "content": content, "mediaType": mediaType,
		"sourceType": "CUSTOMER", "from": userID, "to": models.DemoChannelConfigID,
	})
}

func TestMediaMessagesBothWays(t *testing.T) {
	e := newFilesEnv(t)
	ctx := context.Background()
	ann := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	bob := visitorHeaders(t, e.issuer, demoVisitor("visitor-2"))
	w := e.sendMedia(ann, "visitor-1", "TEXT", "")
	require.Equal(t, http.StatusBadRequest, w.Code)
	for user, h := range map[string]map[string]string{"visitor-1": ann, "visitor-2": bob} {
		w = e.post("/apiaccess/ccmessaging/send", h, map[string]string{"channel": "WEB", "controlType": "CONNECT", "mediaType": "TEXT",
			"sourceType": "CUSTOMER", "from": user, "to": models.DemoChannelConfigID})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	conv, err := e.chat.Conversation(ctx, models.DemoChannelConfigID, "visitor-1")
	require.NoError(t, err)
	// An agent serves Ann from here on.
	require.NoError(t, e.db.Model(&models.Conversation{}).Where("id = ?", conv.ID).
		Updates(map[string]any{"phase": chatlog.PhaseAgent, "agent_id": "agent-1"}).Error)
	agent := files.Party{Type: files.PartyAgent, TenantID: models.DemoTenantID, UserID: "agent-1"}

	mediaOf := map[string]string{"jpg": "IMAGE", "png": "FILE_IMAGE", "bmp": "IMAGE", "mp3": "AUDIO", "aac": "AUDIO", "mp4": "VIDEO", "txt": "FILE", "csv": "FILE"}
	rcOf := map[string]string{"IMAGE": "RC:ImgMsg", "FILE_IMAGE": "RC:ImgMsg", "AUDIO": "RC:VcMsg", "VIDEO": "RC:ImgTextMsg", "FILE": "RC:ImgTextMsg"}
	for typ, media := range mediaOf {
		data := filestest.Samples[typ]
		// Visitor to agent.
		key := e.upload(ann, typ, data)
		w := e.sendMedia(bob, "visitor-2", media, key+","+typ)
		require.Equal(t, http.StatusBadRequest, w.Code, "Bob cannot send Ann's file: %s", w.Body.String())
		w = e.sendMedia(ann, "visitor-1", media, key+","+typ)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var rec models.ChatRecord
		require.NoError(t, e.db.Where("conversation_id = ? AND content = ?", conv.ID, key+","+typ).Take(&rec).Error)
		require.Equal(t, media, rec.MediaType)
		require.Equal(t, rcOf[media], rec.RCType)
		_, got, err := e.files.Open(ctx, agent, key, typ)
		require.NoError(t, err)
		require.Equal(t, data, got, "the serving agent reads the visitor's %s", typ)

		// Agent to visitor: send, poll, download.
		f, err := e.files.Upload(ctx, agent, typ, data)
		require.NoError(t, err)
		m, err := e.chat.AgentSend(ctx, "agent-1", models.Conversation{ID: conv.ID}, "", media, f.ObjectKey+","+typ)
		require.NoError(t, err)
		w = e.do(webCall{method: http.MethodGet, path: "/apiaccess/ccmessaging/poll?cursor=" + strconv.FormatInt(m.Seq-1, 10), headers: ann})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var p pollResponse
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
		require.Len(t, p.DownlinkMessages, 1)
		dm := p.DownlinkMessages[0]
		require.Equal(t, media, dm.MediaType)
		require.Equal(t, f.ObjectKey, dm.FileID)
		require.Equal(t, typ, dm.FileType)
		_, got = e.download(ann, dm.Content, dm.FileType)
		require.Equal(t, data, got, "byte for byte: %s", typ)
		w, _ = e.download(bob, dm.FileID, dm.FileType)
		require.Equal(t, http.StatusForbidden, w.Code)
	}

	// A file of the wrong kind for the mediaType, an unknown key, a bad location.
	key := e.upload(ann, "mp3", filestest.Samples["mp3"])
	for _, c := range []struct{ media, content, desc string }{
		{"IMAGE", key + ",mp3", "cannot carry a mp3 file"},
		{"AUDIO", key + ",aac", "is not a aac file"},
		{"IMAGE", files.NewKey() + ",jpg", "names no file you uploaded"},
		{"VIDEO", "just text", "objectKey,type"},
		{"LOCATE", "north/east/home", "latitude/longitude/description"},
		{"LOCATE", "91/10/home", "latitude/longitude/description"},
	} {
		w := e.sendMedia(ann, "visitor-1", c.media, c.content)
		require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		_, desc := envelope(t, w)
		require.Contains(t, desc, c.desc)
	}
	w = e.sendMedia(ann, "visitor-1", "LOCATE", "31.2304/121.4737/People's Square")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var loc models.ChatRecord
	require.NoError(t, e.db.Where("conversation_id = ? AND media_type = ?", conv.ID, "LOCATE").Take(&loc).Error)
	require.Equal(t, "RC:LBSMsg", loc.RCType)
}

func TestChatRecordsDeleteHidesTheFileFromTheMember(t *testing.T) {
	e := newFilesEnv(t)
	ann := visitorHeaders(t, e.issuer, demoVisitor("visitor-1"))
	w := e.post("/apiaccess/ccmessaging/send", ann, map[string]string{"channel": "WEB", "controlType": "CONNECT", "mediaType": "TEXT",
		"sourceType": "CUSTOMER", "from": "visitor-1", "to": models.DemoChannelConfigID})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	key := e.upload(ann, "png", filestest.Samples["png"])
	w = e.sendMedia(ann, "visitor-1", "IMAGE", key+",png")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	_, data := e.download(ann, key, "png")
	require.Equal(t, filestest.Samples["png"], data)

	var rec models.ChatRecord
	require.NoError(t, e.db.Where("content = ?", key+",png").Take(&rec).Error)
	w = e.do(webCall{method: http.MethodPost, path: "/chat-records/delete", headers: ann,
		body: `{"memberId":"visitor-1","id":` + strconv.FormatUint(rec.ID, 10) + `}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w, _ = e.download(ann, key, "png")
	require.Equal(t, http.StatusForbidden, w.Code, "the member deleted the message: its file is gone for them")
	_, got, err := e.files.Open(context.Background(), files.Party{TenantID: models.DemoTenantID}, key, "png")
	require.NoError(t, err, "the tenant keeps its copy")
	require.Equal(t, filestest.Samples["png"], got)
}
