package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/models"
)

// fileLinkPath is the signed download a webhook's media message links to
// (files.SignedLink makes the links).
const fileLinkPath = files.LinkPrefix + ":endpoint/:file"

// linkOpener checks a signed link and answers its file.
type linkOpener interface {
	Open(ctx context.Context, r files.LinkRequest) (models.StoredFile, []byte, error)
}

// fileLinkHandlers serve webhook receivers' GETs of signed file links.
type fileLinkHandlers struct {
	links linkOpener
}

func newFileLinkHandlers(f *files.Service) *fileLinkHandlers {
	if f == nil {
		return &fileLinkHandlers{}
	}
	return &fileLinkHandlers{links: &files.Links{DB: f.DB, Files: f}}
}

// get answers the file of a signed link as itself. A forged, tampered or
// expired link is 403 whatever the key names; a good link to a file that
// retention removed since is 410.
func (h *fileLinkHandlers) get(c *gin.Context) {
	if h.links == nil {
		jsonFail(c, unavailable(errors.New("no file store")))
		return
	}
	f, data, err := h.links.Open(c.Request.Context(), files.LinkRequest{
		EndpointID: c.Param("endpoint"), File: c.Param("file"),
		Expires: c.Query(files.LinkExpires), Signature: c.Query(files.LinkSignature),
	})
	switch {
	case errors.Is(err, files.ErrLinkRefused):
		jsonFail(c, errForbidden(files.ErrLinkRefused.Error()))
		return
	case errors.Is(err, files.ErrGone):
		jsonFail(c, &apiError{http.StatusGone, "410", files.ErrGone.Error()})
		return
	case err != nil:
		jsonFail(c, downloadError(err))
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+f.FileName+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, files.ContentType(f.FileType), data)
}
