package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxAnswerBytes bounds what ccbench reads of one answer.
const maxAnswerBytes = 8 << 20

// requestTimeout bounds a call that is not a long-poll.
const requestTimeout = 30 * time.Second

// newHTTPClient returns the client every simulated visitor and agent shares.
// Each of them keeps a long-poll open and sends besides, so the pool must
// hold two idle connections per participant or every call opens a new one.
func newHTTPClient(visitors, agents int) *http.Client {
	conns := 2*(visitors+agents) + 16
	// No Proxy: an HTTP_PROXY from the environment must not sit between
	// ccbench and the ccflow it measures.
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr}
}

// apiError is a failed call: no answer (Status 0), an HTTP error status, or
// a 200 whose result code is not success.
type apiError struct {
	Op     string
	Status int
	Code   string
	Msg    string
}

// Error reads like "send CHAT: HTTP 503 (code 500): workflow busy".
func (e *apiError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind())
	if e.Status != 0 && e.Code != "" {
		b.WriteString(" (code " + e.Code + ")")
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	return b.String()
}

// Kind groups errors in the report: the operation and the HTTP status, or
// the result code of a 200, or "transport" when there was no answer.
func (e *apiError) Kind() string {
	switch {
	case e.Status == 0:
		return e.Op + ": transport"
	case e.Status == http.StatusOK:
		return e.Op + ": resultCode " + e.Code
	default:
		return e.Op + ": HTTP " + strconv.Itoa(e.Status)
	}
}

// retryable says whether another attempt may succeed: no answer, overload
// or a server error. A 4xx or a refused result code will not change.
func (e *apiError) retryable() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// errorKind is one line of the report's error table.
type errorKind struct {
	Kind    string `json:"kind"`
	Count   int    `json:"count"`
	Example string `json:"example"`
}

// errorCounts counts errors by kind and keeps the first message of each.
type errorCounts struct {
	mu       sync.Mutex
	counts   map[string]int
	examples map[string]string
}

func newErrorCounts() *errorCounts {
	return &errorCounts{counts: map[string]int{}, examples: map[string]string{}}
}

// add counts err under its kind (an apiError's Kind, else prefix alone).
func (c *errorCounts) add(prefix string, err error) {
	kind, example := prefix, err.Error()
	var ae *apiError
	if errors.As(err, &ae) {
		kind = ae.Kind()
	}
	c.addKind(kind, example)
}

// addKind counts one error of the given kind.
func (c *errorCounts) addKind(kind, example string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[kind]++
	if _, ok := c.examples[kind]; !ok {
		c.examples[kind] = example
	}
}

// list returns the kinds, most frequent first.
func (c *errorCounts) list() []errorKind {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]errorKind, 0, len(c.counts))
	for k, n := range c.counts {
		out = append(out, errorKind{Kind: k, Count: n, Example: c.examples[k]})
	}
	slices.SortFunc(out, func(a, b errorKind) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return out
}

// caller sends JSON requests to one ccflow and counts every failed attempt.
type caller struct {
	http *http.Client
	base string
	errs *errorCounts
}

// call is one request: op names it in errors, timeout bounds it.
type call struct {
	op      string
	method  string
	path    string
	headers map[string]string
	// key, when set, is the Idempotency-Key: a retry of the call is the
	// same command to ccflow, not a new one.
	key     string
	body    any
	out     any
	timeout time.Duration
}

// do sends c once. A failure is counted and returned as an *apiError; a
// cancelled context is returned as is and not counted, since it is the run
// ending rather than ccflow failing.
func (cl *caller) do(ctx context.Context, c call) (http.Header, error) {
	h, err := cl.once(ctx, c)
	if err != nil && ctx.Err() == nil {
		cl.errs.add(c.op, err)
	}
	if ctx.Err() != nil && err != nil {
		return h, ctx.Err()
	}
	return h, err
}

// doRetry sends c up to attempts times while the failure is retryable. Only
// calls that are safe to repeat use it: reads, and sends that carry an
// idempotency key (the same body, so the same messageCode, every time). A
// 503 or 429 waits as long as its Retry-After asks, when that is longer
// than the backoff.
func (cl *caller) doRetry(ctx context.Context, attempts int, c call) (http.Header, error) {
	backoff := 200 * time.Millisecond
	for i := 1; ; i++ {
		h, err := cl.do(ctx, c)
		var ae *apiError
		if err == nil || i >= attempts || !errors.As(err, &ae) || !ae.retryable() {
			return h, err
		}
		if err := sleepCtx(ctx, max(backoff, retryAfter(h))); err != nil {
			return h, err
		}
		backoff *= 2
	}
}

// maxRetryAfter bounds how long one Retry-After makes ccbench wait.
const maxRetryAfter = 30 * time.Second

// retryAfter is an answer's Retry-After in seconds (ccflow sends whole
// seconds), at most maxRetryAfter; zero when there is none.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, maxRetryAfter)
}

func (cl *caller) once(ctx context.Context, c call) (http.Header, error) {
	timeout := c.timeout
	if timeout == 0 {
		timeout = requestTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if c.body != nil {
		raw, err := json.Marshal(c.body)
		if err != nil {
			return nil, fmt.Errorf("%s: encode request: %w", c.op, err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, cl.base+c.path, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.op, err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	if c.key != "" {
		req.Header.Set("Idempotency-Key", c.key)
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return nil, &apiError{Op: c.op, Msg: err.Error()}
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return resp.Header, &apiError{Op: c.op, Msg: "read answer: " + err.Error()}
	}
	if resp.StatusCode >= 300 {
		return resp.Header, answerError(c.op, resp.StatusCode, raw)
	}
	if c.out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, c.out); err != nil {
			return resp.Header, &apiError{Op: c.op, Status: resp.StatusCode, Code: "bad JSON", Msg: err.Error()}
		}
	}
	return resp.Header, nil
}

// answerError reads the error envelopes ccflow uses: the agent and admin
// APIs' {code, message} and the customer API's {resultCode, resultDesc}.
func answerError(op string, status int, raw []byte) *apiError {
	var env struct {
		Code       any    `json:"code"`
		Message    string `json:"message"`
		ResultCode string `json:"resultCode"`
		ResultDesc string `json:"resultDesc"`
	}
	e := &apiError{Op: op, Status: status}
	if json.Unmarshal(raw, &env) == nil {
		e.Code = env.ResultCode
		e.Msg = env.ResultDesc
		if env.Code != nil {
			e.Code = fmt.Sprint(env.Code)
		}
		if env.Message != "" {
			e.Msg = env.Message
		}
	}
	if e.Msg == "" {
		e.Msg = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
	}
	return e
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
