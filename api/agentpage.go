package api

import (
	"io/fs"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/web"
)

// agentPagePath is the agent console; its scripts and style live under
// agentPagePath/assets/.
const agentPagePath = "/agent"

// agentPageCSP lets the console run only its own scripts and styles, talk
// only to this server, and never be framed (clickjacking a logged-in agent).
// Images may come from anywhere: product pictures in visitors' cards.
const agentPageCSP = "default-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// pageAssetName is what a script or style of a page may be called: a flat name,
// so no request reaches outside the page's folder.
var pageAssetName = regexp.MustCompile(`^[a-z][a-z0-9-]*\.(js|css)$`)

func agentPageHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", agentPageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// agentPage serves the console's single page.
func agentPage(c *gin.Context) {
	agentPageHeaders(c)
	c.Writer.Header().Set("Cache-Control", "no-store")
	c.FileFromFS("agent/", http.FS(web.Static()))
}

// supervisorPagePath is the supervisor's live view and reports; it shares
// the console's assets. Who may see the data is the API's check.
const supervisorPagePath = agentPagePath + "/supervisor"

// supervisorPage serves the supervisor's single page.
func supervisorPage(c *gin.Context) {
	agentPageHeaders(c)
	c.Writer.Header().Set("Cache-Control", "no-store")
	c.FileFromFS("agent/supervisor.html", http.FS(web.Static()))
}

// agentAsset serves one script or style of the console.
func agentAsset(c *gin.Context) {
	name := c.Param("file")
	if !pageAssetName.MatchString(name) {
		notFound(c)
		return
	}
	if _, err := fs.Stat(web.Static(), "agent/"+name); err != nil {
		notFound(c)
		return
	}
	agentPageHeaders(c)
	c.Writer.Header().Set("Cache-Control", "no-cache")
	c.FileFromFS("agent/"+name, http.FS(web.Static()))
}
