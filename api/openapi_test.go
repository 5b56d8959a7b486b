package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/openapi"
)

// ginParam is a gin path parameter (:id) or wildcard (*path).
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// documented lists the document's operations as "METHOD /path/{param}".
func documented(t *testing.T) []string {
	t.Helper()
	d, err := openapi.Load()
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(d.YAML())
	require.NoError(t, err)
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// TestEveryRouteIsDocumented fails when api/routes.go and
// openapi/openapi.yaml disagree on the routes, in either direction, and says
// what to write where.
func TestEveryRouteIsDocumented(t *testing.T) {
	r := NewRouter(testDeps(demoDB(t)))
	var served []string
	for _, rt := range r.Routes() {
		served = append(served, rt.Method+" "+ginParam.ReplaceAllString(rt.Path, "{$1}"))
	}
	slices.Sort(served)
	docs := documented(t)

	var missing, stale []string
	for _, s := range served {
		if !slices.Contains(docs, s) {
			method, path, _ := strings.Cut(s, " ")
			missing = append(missing, fmt.Sprintf("  %s:\n    %s:\n      tags: [...]\n      operationId: ...\n      summary: ...\n"+
				"      security: [...]   # or [] when it needs none\n      requestBody/parameters/responses: fields, types, required, enums and result codes from the spec",
				path, strings.ToLower(method)))
		}
	}
	for _, d := range docs {
		if !slices.Contains(served, d) {
			stale = append(stale, "  "+d)
		}
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "api/routes.go serves routes that openapi/openapi.yaml does not describe. "+
			"Add each under paths: in openapi/openapi.yaml (path parameters as {name}), then run "+
			"go test ./openapi/ (the linter) and the integration tests, which validate every call against the document:\n"+
			strings.Join(missing, "\n"))
	}
	if len(stale) > 0 {
		problems = append(problems, "openapi/openapi.yaml describes operations that api/routes.go does not serve. "+
			"Remove them from openapi/openapi.yaml, or add the route if it was lost:\n"+strings.Join(stale, "\n"))
	}
	if len(problems) > 0 {
		require.FailNow(t, strings.Join(problems, "\n\n"))
	}
}

// TestDocumentAndReferencePageAreServed: the document in both forms, and a
// reference page whose script comes from this server, never a CDN.
func TestDocumentAndReferencePageAreServed(t *testing.T) {
	r := NewRouter(testDeps(demoDB(t)))

	w := serve(r, http.MethodGet, "/openapi.yaml", "", nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Header().Get("Content-Type"), "application/yaml")
	require.Contains(t, w.Body.String(), "openapi: 3.1.0")

	w = serve(r, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, w.Code)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc))
	require.Equal(t, "3.1.0", doc["openapi"])
	require.Contains(t, doc["paths"], "/apiaccess/ccmessaging/send")

	w = serve(r, http.MethodGet, "/docs", "", nil)
	require.Equal(t, http.StatusOK, w.Code)
	page := w.Body.String()
	require.Contains(t, page, `spec-url="openapi.yaml"`)
	require.Contains(t, page, `src="docs/`+openapi.RedocFile+`"`)
	require.NotRegexp(t, `(?i)(src|href)="(https?:)?//`, page, "the page loads nothing from another host")
	require.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'self'")

	w = serve(r, http.MethodGet, "/docs/"+openapi.RedocFile, "", nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Header().Get("Content-Type"), "javascript")
	require.Greater(t, w.Body.Len(), 1<<20, "Redoc's whole bundle")

	w = serve(r, http.MethodGet, "/docs/other.js", "", nil)
	require.Equal(t, http.StatusNotFound, w.Code)
}
