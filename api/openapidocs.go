package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/openapi"
)

// docsPagePath is the API reference page, rendered from /openapi.yaml.
const docsPagePath = "/docs"

// docsCSP lets the reference page run only this server's Redoc and fetch only
// this server's document. Redoc styles its components inline and builds its
// search worker from a blob.
const docsCSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
	"worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'"

// docsHandlers serve the OpenAPI document and its reference page.
type docsHandlers struct{ doc *openapi.Document }

// newDocsHandlers loads the embedded document. It is part of the binary and
// tested (openapi.TestDocumentIsValid), so failing here is a build defect.
func newDocsHandlers() *docsHandlers {
	doc, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	return &docsHandlers{doc: doc}
}

func (h *docsHandlers) yaml(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", h.doc.YAML())
}

func (h *docsHandlers) json(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", h.doc.JSON())
}

func (h *docsHandlers) page(c *gin.Context) {
	c.Header("Content-Security-Policy", docsCSP)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", openapi.Page())
}

// asset serves Redoc, the page's one file; any other name is the family's 404.
func (h *docsHandlers) asset(c *gin.Context) {
	if c.Param("file") != openapi.RedocFile {
		notFound(c)
		return
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", openapi.Redoc())
}
