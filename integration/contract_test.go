package integration

// The OpenAPI contract (issue 16): every call the integration tests make to
// ccflow goes through contractTransport, which validates the request and the
// answer against openapi/openapi.yaml with kin-openapi's openapi3filter. A
// field renamed in code and not in the document, an undocumented status, or
// a request the document refuses and the server accepts fails the call (the
// client gets an error) and the whole run (TestMain lists every violation,
// also those a test tolerated as a transport error).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ccflow/ccflow/openapi"
)

// contract is the document the run checks against; TestMain sets it.
var contract *apiContract

// apiContract validates calls to the ccflow processes the tests started.
type apiContract struct {
	doc    *openapi3.T
	router routers.Router
	mu     sync.Mutex
	// hosts are the host:port of ccflow's HTTP servers (CCFLOW_HTTP_ADDR of
	// each process started); calls elsewhere (the Temporal UI, chromium's
	// debugging port) are not ccflow's API and pass unchecked.
	hosts      map[string]bool
	violations []string
}

// loadContract reads the embedded document, as ccflow serves it.
func loadContract() (*apiContract, error) {
	d, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(d.YAML())
	if err != nil {
		return nil, err
	}
	// The tests' servers listen on random ports: match paths on any host.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiContract{doc: doc, router: router, hosts: map[string]bool{}}, nil
}

// serves records that a ccflow process answers HTTP at addr (host:port).
func (c *apiContract) serves(addr string) {
	if c == nil || addr == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hosts[addr] = true
}

func (c *apiContract) isCcflow(host string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hosts[host]
}

func (c *apiContract) violated(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	c.violations = append(c.violations, msg)
	c.mu.Unlock()
	return fmt.Errorf("OpenAPI contract (openapi/openapi.yaml): %s", msg)
}

// report prints every violation of the run; it returns false if there was any.
func (c *apiContract) report() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.violations) == 0 {
		return true
	}
	fmt.Fprintf(os.Stderr, "\n%d call(s) disagreed with openapi/openapi.yaml. Fix the document where it is wrong, "+
		"the code where it disagrees with the spec:\n", len(c.violations))
	for _, v := range c.violations {
		fmt.Fprintln(os.Stderr, "  - "+v)
	}
	return false
}

// contractTransport checks each call to ccflow against the contract.
type contractTransport struct{ next http.RoundTripper }

// checked wraps a transport so that its calls to ccflow are validated.
func checked(next http.RoundTripper) http.RoundTripper { return contractTransport{next: next} }

func (t contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := contract
	if c == nil || !c.isCcflow(req.URL.Host) {
		return t.next.RoundTrip(req)
	}
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		if err := req.Body.Close(); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	// The validator reads its own copy; the request goes out untouched.
	probe := req.Clone(context.WithoutCancel(req.Context()))
	probe.Body = io.NopCloser(bytes.NewReader(reqBody))
	where := req.Method + " " + req.URL.Path

	route, params, findErr := c.router.FindRoute(probe)
	var input *openapi3filter.RequestValidationInput
	var reqErr error
	if findErr == nil {
		input = &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
		}
		reqErr = openapi3filter.ValidateRequest(probe.Context(), input)
	}

	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if closeErr := resp.Body.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		// Cut mid-answer (a killed server): the caller sees the failure as is.
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	if findErr != nil {
		// A path the document lacks must be one the server lacks too.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return nil, c.violated("%s is not in the document, but the server answered %d: %s", where, resp.StatusCode, clip(body))
		}
		return resp, nil
	}
	if reqErr != nil && !refused(resp.StatusCode, body) {
		return nil, c.violated("%s: the document refuses this request (%v), but the server accepted it with %d: %s",
			where, oneLine(reqErr), resp.StatusCode, clip(body))
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, MultiError: true,
			// Pages, scripts and metrics are checked by type only.
			ExcludeResponseBody: !strings.HasSuffix(mediaType, "json"),
		},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(probe.Context(), out); err != nil {
		return nil, c.violated("%s answered %d, which the document does not allow (%v): %s",
			where, resp.StatusCode, oneLine(err), clip(body))
	}
	return resp, nil
}

// refused tells a refusal: an error status, or a spec 003 result code other
// than 0 (the customer API answers some refusals with 200).
func refused(status int, body []byte) bool {
	if status >= 400 {
		return true
	}
	var env struct {
		ResultCode *string `json:"resultCode"`
	}
	return json.Unmarshal(body, &env) == nil && env.ResultCode != nil && *env.ResultCode != "0"
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// swallow returns the violations recorded since mark and forgets them, for
// the test that provokes them on purpose.
func (c *apiContract) swallow(mark int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := append([]string(nil), c.violations[mark:]...)
	c.violations = c.violations[:mark]
	return got
}

func (c *apiContract) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.violations)
}

// checkPush validates a webhook request ccflow sent to a test's receiver
// against the document's webhooks.conversationEvent (headers and body).
func (c *apiContract) checkPush(req *http.Request, body []byte) {
	item := c.doc.Webhooks["conversationEvent"]
	if item == nil || item.Post == nil {
		_ = c.violated("the document has no webhooks.conversationEvent, but ccflow pushes events")
		return
	}
	probe := req.Clone(context.WithoutCancel(req.Context()))
	probe.Body = io.NopCloser(bytes.NewReader(body))
	input := &openapi3filter.RequestValidationInput{
		Request: probe,
		Route:   &routers.Route{Spec: c.doc, Path: "conversationEvent", PathItem: item, Method: http.MethodPost, Operation: item.Post},
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	if err := openapi3filter.ValidateRequest(probe.Context(), input); err != nil {
		_ = c.violated("a webhook push disagrees with webhooks.conversationEvent (%v): %s", oneLine(err), clip(body))
	}
}
