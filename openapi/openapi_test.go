package openapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// load parses one served form of the document with kin-openapi.
func load(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	require.NoError(t, err)
	return doc
}

// TestDocumentIsValid is the document's linter in CI: kin-openapi's
// validation of OpenAPI 3.1 (structure, references, schemas, and every
// example against its schema), plus the house rules an integrator relies on.
func TestDocumentIsValid(t *testing.T) {
	d, err := Load()
	require.NoError(t, err)
	doc := load(t, d.YAML())
	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))

	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			require.NotEmpty(t, op.OperationID, "%s has no operationId (the Go client names its method after it)", where)
			require.NotContains(t, ids, op.OperationID, "%s repeats the operationId of %s", where, ids[op.OperationID])
			ids[op.OperationID] = where
			require.NotEmpty(t, op.Tags, "%s has no tag (the reference page groups by tag)", where)
			require.NotEmpty(t, op.Summary, "%s has no summary", where)
			require.NotNil(t, op.Security, "%s must say its security (security: [] when it needs none)", where)
			require.NotEmpty(t, op.Responses.Map(), "%s answers nothing", where)
		}
	}
	require.Contains(t, doc.Webhooks, "conversationEvent", "the push webhook is described")
	for _, name := range []string{"appKey", "accessToken", "visitorToken", "agentSession", "adminBearer", "adminKey", "leaveSignature", "webhookSignature"} {
		require.Contains(t, doc.Components.SecuritySchemes, name)
	}
}

// TestJSONIsTheSameDocument: /openapi.json is /openapi.yaml, field for field.
func TestJSONIsTheSameDocument(t *testing.T) {
	d, err := Load()
	require.NoError(t, err)
	require.True(t, json.Valid(d.JSON()))
	fromYAML, err := json.Marshal(load(t, d.YAML()))
	require.NoError(t, err)
	fromJSON, err := json.Marshal(load(t, d.JSON()))
	require.NoError(t, err)
	require.JSONEq(t, string(fromYAML), string(fromJSON))
}
