package api

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/web"
)

// chatPagePath is the customer chat page the guest and visitor entries open.
const chatPagePath = "/chat"

// chatPageCSP lets the page run only its own script and style and talk only
// to this server; images may come from anywhere (avatars, product pictures).
// Framing stays allowed: merchants embed the chat in their own pages.
const chatPageCSP = "default-src 'self'; img-src 'self' https: http: data: blob:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'"

// chatAsset serves one file of the chat page from web/static/chat.
func chatAsset(file string) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", chatPageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		// The page's address carries a web key: keep it out of caches and out
		// of the Referer of anything the page loads.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if file == "chat.html" {
			h.Set("Cache-Control", "no-store")
		}
		c.FileFromFS("chat/"+file, http.FS(web.Static()))
	}
}

// chatFile serves a script or style of the chat page by its flat name
// (the same rule as the console's assets), so no request leaves web/static/chat.
func chatFile(c *gin.Context) {
	name := c.Param("file")
	if !pageAssetName.MatchString(name) {
		notFound(c)
		return
	}
	if _, err := fs.Stat(web.Static(), "chat/"+name); err != nil {
		notFound(c)
		return
	}
	chatAsset(name)(c)
}
