package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report is the run's summary, printed as a table and optionally as JSON.
type report struct {
	Config        reportConfig      `json:"config"`
	WallSeconds   float64           `json:"wallSeconds"`
	Conversations reportConvs       `json:"conversations"`
	Throughput    reportRate        `json:"throughput"`
	Metrics       []reportMetric    `json:"metrics"`
	Messages      reportMessages    `json:"messages"`
	Errors        []errorKind       `json:"errors"`
	Failures      []errorKind       `json:"failures"`
	AgentSetup    string            `json:"agentSetupError,omitempty"`
	Agents        []reportAgent     `json:"agents"`
	Server        *reportServer     `json:"server,omitempty"`
	ChatPhase     reportChatPhase   `json:"chatPhase"`
	ServerUsage   reportServerUsage `json:"serverUsage"`
	History       reportHistory     `json:"history"`
	Idle          *reportIdle       `json:"idle,omitempty"`
	Ended         string            `json:"ended"`
	Passed        bool              `json:"passed"`
	// notes are extra lines for the table only.
	notes []string
}

type reportConfig struct {
	URL           string  `json:"url"`
	Embedded      bool    `json:"embedded"`
	Visitors      int     `json:"visitors"`
	Agents        int     `json:"agents"`
	AgentsStarted int     `json:"agentsStarted"`
	Capacity      int     `json:"capacity"`
	Messages      int     `json:"messagesEachWay"`
	RampSeconds   float64 `json:"rampSeconds"`
	ThinkSeconds  float64 `json:"thinkSeconds"`
	Burst         bool    `json:"burst"`
	IdleSeconds   float64 `json:"idleSeconds"`
	RunID         string  `json:"runId"`
}

type reportConvs struct {
	Completed  int `json:"completed"`
	Failed     int `json:"failed"`
	CutShort   int `json:"cutShort"`
	NotStarted int `json:"notStarted"`
	// CutShortIn counts the cut-short conversations by the phase they were in.
	CutShortIn map[string]int `json:"cutShortIn,omitempty"`
}

type reportRate struct {
	ConversationsPerSec float64 `json:"conversationsPerSec"`
	MessagesPerSec      float64 `json:"messagesPerSec"`
	Definition          string  `json:"definition"`
}

type reportMetric struct {
	Name   string  `json:"name"`
	Count  int     `json:"count"`
	MeanMs float64 `json:"meanMs"`
	P50Ms  float64 `json:"p50Ms"`
	P95Ms  float64 `json:"p95Ms"`
	P99Ms  float64 `json:"p99Ms"`
	MaxMs  float64 `json:"maxMs"`
}

type reportMessages struct {
	VisitorToAgent tally `json:"visitorToAgent"`
	AgentToVisitor tally `json:"agentToVisitor"`
}

type reportAgent struct {
	Username string `json:"username"`
	Assigned int64  `json:"assigned"`
	Closed   int64  `json:"closed"`
}

type reportServer struct {
	PeakRSS string `json:"peakRss,omitempty"`
	LogPath string `json:"logPath"`
}

// addMetric appends one metric's summary.
func (r *report) addMetric(name string, s summary) {
	r.Metrics = append(r.Metrics, reportMetric{
		Name: name, Count: s.Count, MeanMs: ms(s.Mean), P50Ms: ms(s.P50), P95Ms: ms(s.P95), P99Ms: ms(s.P99), MaxMs: ms(s.Max),
	})
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// lostOrDuplicated is the number of messages lost or duplicated either way.
func (r *report) lostOrDuplicated() int {
	m := r.Messages
	return m.VisitorToAgent.Lost + m.VisitorToAgent.Duplicated + m.AgentToVisitor.Lost + m.AgentToVisitor.Duplicated
}

// writeText prints the summary table.
func (r *report) writeText(w io.Writer) error {
	var b strings.Builder
	c := r.Config
	mode := "-url"
	if c.Embedded {
		mode = "-embedded"
	}
	fmt.Fprintf(&b, "\nccbench run %s against %s (%s)\n", c.RunID, c.URL, mode)
	fmt.Fprintf(&b, "config      %d visitors, %d agents (%d started), capacity %d, %d messages each way, ramp %gs, think %gs",
		c.Visitors, c.Agents, c.AgentsStarted, c.Capacity, c.Messages, c.RampSeconds, c.ThinkSeconds)
	if c.Burst {
		b.WriteString(", burst (every CONNECT at once)")
	}
	if c.IdleSeconds > 0 {
		fmt.Fprintf(&b, ", idle %gs", c.IdleSeconds)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "wall time   %.2fs (%s)\n", r.WallSeconds, r.Ended)
	cv := r.Conversations
	cut := ""
	if d := cutShortDetail(cv.CutShortIn); d != "" {
		cut = " (" + d + ")"
	}
	fmt.Fprintf(&b, "conversations  %d completed, %d failed, %d cut short%s, %d not started\n",
		cv.Completed, cv.Failed, cv.CutShort, cut, cv.NotStarted)
	fmt.Fprintf(&b, "throughput  %.2f conversations/s, %.1f messages/s (whole run: chat messages both ways / wall time)\n",
		r.Throughput.ConversationsPerSec, r.Throughput.MessagesPerSec)
	if cp := r.ChatPhase; cp.Messages > 0 {
		fmt.Fprintf(&b, "chat phase  %.1f messages/s (%d chat messages both ways / %.2fs from the first chat send to the last chat arrival)\n\n",
			cp.MessagesPerSec, cp.Messages, cp.Seconds)
	} else {
		b.WriteString("chat phase  no chat message arrived\n\n")
	}

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "latency\tcount\tp50\tp95\tp99\tmax\tmean")
	for _, m := range r.Metrics {
		if m.Count == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t-\t-\n", m.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Count,
			fmtMs(m.P50Ms), fmtMs(m.P95Ms), fmtMs(m.P99Ms), fmtMs(m.MaxMs), fmtMs(m.MeanMs))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "messages\tsent\treceived\tlost\tduplicated\tin flight\tsend failed\tunconfirmed\tunexpected")
	for _, row := range []struct {
		name string
		t    tally
	}{{"visitor->agent", r.Messages.VisitorToAgent}, {"agent->visitor", r.Messages.AgentToVisitor}} {
		t := row.t
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", row.name,
			t.Sent, t.Received, t.Lost, t.Duplicated, t.InFlight, t.SendFailed, t.Unconfirmed, t.Unexpected)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeKinds(&b, "errors (every failed HTTP call or refused result code, retried ones included)", r.Errors)
	writeKinds(&b, "failed conversations, by step", r.Failures)
	if r.AgentSetup != "" {
		fmt.Fprintf(&b, "\nagent setup: %s\n", r.AgentSetup)
	}
	r.writeMeasurements(&b)
	if r.Server != nil && r.ServerUsage.Run == nil {
		fmt.Fprintf(&b, "ccflow peak RSS (VmHWM): %s\n", r.Server.PeakRSS)
	}
	for _, e := range r.notes {
		fmt.Fprintf(&b, "%s\n", e)
	}
	verdict := "PASS"
	if !r.Passed {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "\nresult: %s\n", verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

// cutShortDetail is "queued 5, chatting 1": the phases cut-short visitors were in.
func cutShortDetail(in map[string]int) string {
	if len(in) == 0 {
		return ""
	}
	names := slices.Sorted(maps.Keys(in))
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, in[n]))
	}
	return strings.Join(parts, ", ")
}

func writeKinds(b *strings.Builder, title string, kinds []errorKind) {
	if len(kinds) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	for _, k := range kinds {
		example := k.Example
		if len(example) > 160 {
			example = example[:160] + "..."
		}
		fmt.Fprintf(b, "  %6d  %s\n          e.g. %s\n", k.Count, k.Kind, example)
	}
}

// fmtMs prints milliseconds with a precision that suits their size.
func fmtMs(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 1000:
		return fmt.Sprintf("%.1fms", v)
	default:
		return fmt.Sprintf("%.2fs", v/1000)
	}
}

// writeJSON prints the summary as one indented JSON object.
func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// buildReport gathers the run's numbers.
func (b *bench) buildReport(out outcome, agents []*benchAgent, setupErr error, base string) *report {
	cfg := b.cfg
	r := &report{
		Config: reportConfig{
			URL: base, Embedded: cfg.Embedded, Visitors: cfg.Visitors, Agents: cfg.Agents,
			AgentsStarted: len(agents), Capacity: cfg.Capacity, Messages: cfg.Messages, RunID: b.runID,
			RampSeconds: cfg.Ramp.Seconds(), ThinkSeconds: cfg.Think.Seconds(),
			Burst: cfg.Burst, IdleSeconds: cfg.Idle.Seconds(),
		},
		WallSeconds: out.wall.Seconds(),
		Conversations: reportConvs{
			Completed: out.completed, Failed: out.failed, CutShort: out.cutShort, NotStarted: out.notStarted,
			CutShortIn: out.cutIn,
		},
		Errors:   b.errs.list(),
		Failures: out.failures.list(),
		Agents:   []reportAgent{},
	}
	cut := func(conv string) bool { return out.cut[conv] }
	r.Messages = reportMessages{VisitorToAgent: b.v2a.tally(cut), AgentToVisitor: b.a2v.tally(cut)}
	if s := out.wall.Seconds(); s > 0 {
		r.Throughput = reportRate{
			ConversationsPerSec: float64(out.completed) / s,
			MessagesPerSec:      float64(r.Messages.VisitorToAgent.Received+r.Messages.AgentToVisitor.Received) / s,
		}
	}
	b.addMeasurements(r, out)
	r.addMetric("connect (CONNECT -> robot greeting)", b.connect.summarize())
	r.addMetric("queue assignment (TRANS2AGENT -> agent connected)", b.queue.summarize())
	r.addMetric("visitor->agent delivery (send -> agent event)", b.v2aLatency.summarize())
	r.addMetric("agent->visitor delivery (agent send -> poll)", b.a2vLatency.summarize())
	if b.cfg.Messages >= 2*edgeMessages {
		r.addMetric("visitor->agent, each conversation's first 10", b.v2aFirst.summarize())
		r.addMetric("visitor->agent, each conversation's last 10", b.v2aLast.summarize())
		r.addMetric("agent->visitor, each conversation's first 10", b.a2vFirst.summarize())
		r.addMetric("agent->visitor, each conversation's last 10", b.a2vLast.summarize())
	}
	r.addMetric("conversation (CONNECT -> closed)", b.conversation.summarize())
	r.addMetric("connect call (POST send CONNECT)", b.connectSend.summarize())
	r.addMetric("visitor send call (POST send CHAT)", b.visitorSend.summarize())
	r.addMetric("agent send call (POST messages)", b.agentSend.summarize())
	for _, a := range agents {
		r.Agents = append(r.Agents, reportAgent{Username: a.acct.Username, Assigned: a.assigned.Load(), Closed: a.closed.Load()})
	}
	if setupErr != nil {
		r.AgentSetup = setupErr.Error()
	}
	switch {
	case out.interrupted:
		r.Ended = "interrupted"
	case out.timedOut:
		r.Ended = "timed out after " + cfg.Timeout.String()
	default:
		r.Ended = "all visitors finished"
	}
	r.Passed = setupErr == nil && out.completed == cfg.Visitors && r.lostOrDuplicated() == 0
	return r
}
