package integration

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// readmeNotRun are the README's sh blocks that TestREADMEExamples does not
// run, by the start of their first line, each with the reason. Every other
// sh block runs: a new example is tested unless it is added here.
var readmeNotRun = map[string]string{
	"go run ./cmd/ccflow":                  "starts ccflow itself; the test starts the binary",
	"go test -count=1 -timeout 25m ./...":  "the test command",
	"CCFLOW_SCREENSHOTS=1 go test":         "a test command",
	"# TS and SIG are the request's heade": "a receiver's check of one captured request",
	"ccflow temporal &":                    "the scaled-out roles; integration/scaleout_test.go runs them",
	"export CCFLOW_ADMIN_KEY=":             "Docker Compose; no Docker engine here",
	"deploy/temporal-cluster.sh up":        "a Temporal cluster; integration/cluster_test.go runs it",
}

// readmeSessions are the sections whose sessions issue 11 asks to keep
// working: each must run at least one checked example.
var readmeSessions = []string{
	"Try it", "Leave messages", "Agents", "Admin API", "Push webhooks",
}

// readmeBlock is one ```sh block of the README.
type readmeBlock struct {
	lang    string
	heading string
	line    int
	lines   []string
}

// readmeCheck is one documented answer: the comment under (or beside) a
// command, which the command's output must match.
type readmeCheck struct {
	block readmeBlock
	line  int
	doc   string
}

// TestREADMEExamples runs the README's shell sessions as written, in the
// README's order, in one bash against a fresh all-in-one, and checks every
// documented answer: a comment line under a command (or a comment starting
// with { or [ beside it) is what the command prints, with … standing for
// anything (and the letters or digits right before it, as in "01a2…").
// The only changes made to the text are the API's address and the webhook
// receiver's port, which are free ports here.
func TestREADMEExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "openssl", "python3"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "the README's sessions need %s (.ci/run installs it)", tool)
	}
	blocks := readmeBlocks(t, "../README.md")

	work := t.TempDir()
	n := newNode(t)
	n.dataDir = filepath.Join(work, "data") // the admin session reads ./data/admin-key
	p := start(t, n.env())
	waitReady(t, p, n.url())

	hookPort := strconv.Itoa(freePort(t))
	subst := strings.NewReplacer("http://127.0.0.1:8080", n.url(), "HOOKPORT=9000", "HOOKPORT="+hookPort,
		"127.0.0.1:9000", "127.0.0.1:"+hookPort)
	var script strings.Builder
	script.WriteString("set -u\n")
	var checks []readmeCheck
	ran := map[string]int{}
	skipped := map[string]bool{}
	var queries []string
	for _, b := range blocks {
		if b.lang == "sql" {
			queries = append(queries, b.lines...)
			continue
		}
		first := strings.TrimSpace(b.lines[0])
		if prefix, ok := readmeSkipped(first); ok {
			skipped[prefix] = true
			continue
		}
		bs := parseChecks(b)
		for _, c := range bs.checks {
			ran[c.block.heading]++
		}
		for _, l := range bs.script {
			if l == checkMarker {
				fmt.Fprintf(&script, "printf '\\n@@CHECK %d@@\\n'\n", len(checks))
				checks = append(checks, bs.checks[0])
				bs.checks = bs.checks[1:]
				continue
			}
			script.WriteString(subst.Replace(l) + "\n")
		}
	}
	script.WriteString("kill $(jobs -p) 2>/dev/null; exit 0\n")
	for prefix := range readmeNotRun {
		require.True(t, skipped[prefix], "readmeNotRun names a block the README no longer has: %q", prefix)
	}
	for _, want := range readmeSessions {
		found := false
		for h, k := range ran {
			found = found || (strings.HasPrefix(h, want) && k > 0)
		}
		require.True(t, found, "the README's %q section has a checked example", want)
	}
	require.GreaterOrEqual(t, len(checks), 25, "documented answers found in the README")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LANG=C.UTF-8"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "the README's sessions ran; stderr:\n%s\nstdout:\n%s", stderr.String(), out)

	// segment i (before marker i) is the output of the commands since the
	// marker before it.
	outputs := make([]string, len(checks))
	rest := string(out)
	for i := range checks {
		marker := fmt.Sprintf("\n@@CHECK %d@@\n", i)
		before, after, ok := strings.Cut(rest, marker)
		require.True(t, ok, "the session reached the answer documented at README.md:%d (%s); stderr:\n%s", checks[i].line, checks[i].block.heading, stderr.String())
		outputs[i], rest = before, after
	}
	var wrong []string
	for i, c := range checks {
		if !docPattern(subst.Replace(c.doc)).MatchString(outputs[i]) {
			wrong = append(wrong, fmt.Sprintf("README.md:%d (%s) documents\n  %s\nbut the command printed\n  %s",
				c.line, c.block.heading, c.doc, strings.TrimSpace(outputs[i])))
		}
	}
	require.Empty(t, wrong, "answers that differ from the README's; stderr of the session:\n%s", stderr.String())

	// The Temporal UI queries an operator keeps are valid on the server.
	require.GreaterOrEqual(t, len(queries), 3, "the Operating section's queries")
	c, err := client.Dial(client.Options{HostPort: n.temporal()})
	require.NoError(t, err)
	defer c.Close()
	for _, q := range queries {
		_, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: q})
		require.NoError(t, err, "README's Temporal UI query %s", q)
	}
	eventually(t, 30*time.Second, "the README's tenant query finds the session's conversations", func() error {
		res, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: "CcflowTenant = 'demo'"})
		if err != nil {
			return err
		}
		if len(res.GetExecutions()) < 2 {
			return fmt.Errorf("%d conversations", len(res.GetExecutions()))
		}
		return nil
	})
	// Each conversation's Summary in Temporal UI names tenant, channel and visitor.
	res, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: "CcflowUser = 'visitor-1'"})
	require.NoError(t, err)
	require.NotEmpty(t, res.GetExecutions())
	for _, e := range res.GetExecutions() {
		d, err := c.DescribeWorkflow(context.Background(), e.GetExecution().GetWorkflowId(), "")
		require.NoError(t, err)
		summary, err := d.GetStaticSummary()
		require.NoError(t, err)
		require.Equal(t, "tenant demo · channel 1011577355744904195 · visitor Ann (visitor-1)", summary)
	}
	t.Logf("%d documented answers checked in %d sections, %d Temporal UI queries", len(checks), len(ran), len(queries))
}

// checkMarker stands in a block's script where its next check's output ends.
const checkMarker = "\x00check"

// readmeSkipped tells whether a block is on the not-run list, and by which entry.
func readmeSkipped(first string) (string, bool) {
	for prefix := range readmeNotRun {
		if strings.HasPrefix(first, prefix) {
			return prefix, true
		}
	}
	return "", false
}

// trailingDoc is a documented answer beside a command: two spaces or more,
// then "# {" or "# [".
var trailingDoc = regexp.MustCompile(`\s{2,}# ([{\[].*)$`)

// annotation is a remark after a documented answer, such as "   (HTTP 400)".
var annotation = regexp.MustCompile(`\s{2,}\(.*\)\s*$`)

// parsedBlock is a block's script, with checkMarker where a check goes, and
// its checks in order.
type parsedBlock struct {
	script []string
	checks []readmeCheck
}

// parseChecks finds a block's documented answers. Comment lines right under
// a command are its answer (joined, as the command prints one line); comment
// lines at the start of a block, before any command, explain it.
func parseChecks(b readmeBlock) parsedBlock {
	var out parsedBlock
	var doc []string
	docLine := 0
	sawCommand := false
	flush := func() {
		if len(doc) > 0 {
			out.checks = append(out.checks, readmeCheck{block: b, line: docLine, doc: strings.Join(doc, "\n")})
			out.script = append(out.script, checkMarker)
			doc = nil
		}
	}
	for i, l := range b.lines {
		lineNo := b.line + 1 + i
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "#") {
			if !sawCommand {
				continue
			}
			text := strings.TrimSpace(strings.TrimPrefix(trimmed, "#"))
			text = annotation.ReplaceAllString(text, "")
			if len(doc) == 0 {
				docLine = lineNo
			}
			doc = append(doc, text)
			continue
		}
		flush()
		if trimmed == "" {
			continue
		}
		sawCommand = true
		if m := trailingDoc.FindStringSubmatchIndex(l); m != nil {
			out.script = append(out.script, l[:m[0]])
			doc, docLine = []string{annotation.ReplaceAllString(l[m[2]:m[3]], "")}, lineNo
			flush()
			continue
		}
		out.script = append(out.script, l)
	}
	flush()
	return out
}

// ellipsis is where a documented answer leaves something out: "…" and the
// letters or digits right before it ("01a2…" is an id that starts
// differently every time).
var ellipsis = regexp.MustCompile(`[A-Za-z0-9_-]*…`)

// docPattern turns a documented answer into the pattern its output matches.
func docPattern(doc string) *regexp.Regexp {
	parts := ellipsis.Split(doc, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	// A documented answer over several lines is one line of output wrapped,
	// or several lines of output.
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(strings.Join(parts, `.*?`), "\n", `\s*`))
}

// readmeBlocks reads the README's ```sh and ```sql blocks with the heading each is under.
func readmeBlocks(t *testing.T, path string) []readmeBlock {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	heading := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur != nil && strings.HasPrefix(l, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		case l == "```sh" || l == "```sql":
			cur = &readmeBlock{lang: strings.TrimPrefix(l, "```"), heading: heading, line: n}
		case strings.HasPrefix(l, "#"):
			heading = strings.TrimSpace(strings.TrimLeft(l, "#"))
		}
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "README.md ends inside a code block")
	require.NotEmpty(t, blocks)
	return blocks
}
