package api

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/files"
)

// agentUploadBodyLimit is the agent upload's body limit: the largest file
// and room for the multipart framing.
func agentUploadBodyLimit(f *files.Service) int64 {
	if f == nil {
		return maxBodyBytes
	}
	return f.Limits.Max() + 64<<10
}

// agentFileParty is the session's agent as a party of files.
func agentFileParty(c *gin.Context) files.Party {
	a := agentFrom(c)
	return files.Party{Type: files.PartyAgent, TenantID: a.TenantID, UserID: a.AgentID, Supervisor: c.GetString(agentRoleKey) == admin.RoleSupervisor}
}

// agentUpload stores an agent's file (multipart field "file"; fileType, or
// the file name's extension), to send with mediaType and content
// "objectKey,type" like a visitor's.
func (h *fileHandlers) agentUpload(c *gin.Context) {
	if h.files == nil {
		jsonFail(c, unavailable(errors.New("no file store")))
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonFail(c, &apiError{http.StatusRequestEntityTooLarge, "413", "the file is larger than every type's limit"})
			return
		}
		jsonFail(c, errBadRequest("a multipart form with the file in field \"file\" is required"))
		return
	}
	fileType := c.PostForm("fileType")
	if fileType == "" {
		fileType = strings.TrimPrefix(filepath.Ext(fh.Filename), ".")
	}
	f, err := fh.Open()
	if err != nil {
		jsonFail(c, err)
		return
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(f)
	if err != nil {
		jsonFail(c, err)
		return
	}
	stored, err := h.files.Upload(c.Request.Context(), agentFileParty(c), fileType, data)
	if err != nil {
		ae := uploadError(err)
		var a *apiError
		if errors.As(ae, &a) {
			// ccflow's own envelope: the status is the code, the text the same.
			ae = &apiError{a.status, "", a.desc}
		}
		jsonFail(c, ae)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"objectKey": stored.ObjectKey, "fileType": stored.FileType, "size": stored.Size,
		"content": files.Content(stored.ObjectKey, stored.FileType), "mediaType": agentMediaType(stored.FileType),
	})
}

// agentMediaType is the mediaType a message of the file takes by default.
func agentMediaType(fileType string) string {
	switch files.TypeClass(fileType) {
	case files.ClassImage:
		return "IMAGE"
	case files.ClassAudio:
		return "AUDIO"
	case files.ClassVideo:
		return "VIDEO"
	}
	return "FILE"
}

// agentDownload answers a file of a conversation the agent served (any of
// the tenant's for a supervisor) as itself, so the console can show it.
func (h *fileHandlers) agentDownload(c *gin.Context) {
	if h.files == nil {
		jsonFail(c, unavailable(errors.New("no file store")))
		return
	}
	key, fileType, ok := files.ParseContent(c.Param("key"))
	if !ok {
		key = c.Param("key")
		if fileType, ok = files.NormalizeType(c.Query("fileType")); !ok {
			jsonFail(c, errBadRequest("name the file as objectKey,type (e.g. "+files.NewKey()+",jpg) or give fileType"))
			return
		}
	}
	f, data, err := h.files.Open(c.Request.Context(), agentFileParty(c), key, fileType)
	switch {
	case errors.Is(err, files.ErrNoFile):
		jsonFail(c, errForbidden(descNoFile))
		return
	case errors.Is(err, files.ErrTypeDiffers):
		jsonFail(c, errBadRequest("the file is not of this fileType"))
		return
	case err != nil:
		jsonFail(c, downloadError(err))
		return
	}
	disposition := "inline"
	if files.TypeClass(f.FileType) == files.ClassText {
		disposition = "attachment"
	}
	c.Header("Content-Disposition", disposition+`; filename="`+f.FileName+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, max-age=3600")
	c.Data(http.StatusOK, files.ContentType(f.FileType), data)
}
