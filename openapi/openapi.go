// Package openapi holds ccflow's OpenAPI 3.1 description of every public
// route, and the reference page that renders it, embedded in the binary: the
// document and the page work on a machine with no internet.
//
// openapi.yaml is the source; the JSON form is made from it when a Document
// is loaded. The route check (api.TestEveryRouteIsDocumented), the validating
// transport of the integration tests and the linter test keep it true.
package openapi

import (
	"bytes"
	_ "embed"
	"fmt"

	"sigs.k8s.io/yaml"
)

// The document, the reference page and Redoc's standalone bundle
// (redoc@3.0.1 from the npm registry, MIT licence in redoc.LICENSE).
var (
	//go:embed openapi.yaml
	source []byte
	//go:embed docs.html
	page []byte
	//go:embed redoc.standalone.js
	redoc []byte
)

// RedocFile is the name the reference page loads Redoc under.
const RedocFile = "redoc.standalone.js"

// Document is the OpenAPI description in both of its served forms.
type Document struct {
	yaml []byte
	json []byte
}

// Load returns the embedded document, converted to JSON once here so that
// serving it costs nothing per request.
func Load() (*Document, error) {
	j, err := yaml.YAMLToJSON(source)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml is not valid YAML: %w", err)
	}
	return &Document{yaml: bytes.Clone(source), json: j}, nil
}

// YAML is the document as written.
func (d *Document) YAML() []byte { return d.yaml }

// JSON is the document in JSON.
func (d *Document) JSON() []byte { return d.json }

// Page is the reference page's HTML.
func Page() []byte { return page }

// Redoc is Redoc's standalone bundle, which the page loads from this server.
func Redoc() []byte { return redoc }
