package main

import (
	"fmt"
	"strings"
	"time"
)

// Definitions printed with the numbers they define, in the table and the JSON.
const (
	defWholeRun  = "chat messages both ways / wall time of the whole run, from the first visitor's start to the last one's end (tokens, CONNECT, robot, queue, idle window, chat, rating)"
	defChatPhase = "chat messages both ways / time from the first chat message's send to the last one's arrival (no CONNECT, robot, queue, idle window or rating)"
	defServerCPU = "utime+stime of the server's processes from /proc over the visitors' run, idle window excluded, per 1,000 chat messages both ways"
	defRunEvents = "history events written between the first visitor's start and the count: this run's conversations, and every workflow of another type (routing, agent desks) open in the namespace meanwhile"
)

// reportChatPhase is the chat-phase throughput.
type reportChatPhase struct {
	Definition     string  `json:"definition"`
	Messages       int     `json:"messages"`
	Seconds        float64 `json:"seconds"`
	MessagesPerSec float64 `json:"messagesPerSec"`
}

// reportServerUsage is the server's CPU and memory during the run, or why
// they are unknown.
type reportServerUsage struct {
	Unavailable string     `json:"unavailable,omitempty"`
	PIDs        []int      `json:"pids,omitempty"`
	Run         *reportCPU `json:"run,omitempty"`
	// PeakRSSKB is VmHWM at the end of the run, summed over the processes.
	PeakRSSKB int64 `json:"peakRssKb,omitempty"`
}

// reportCPU is CPU time over a stretch of wall time.
type reportCPU struct {
	Definition  string  `json:"definition,omitempty"`
	WallSeconds float64 `json:"wallSeconds"`
	CPUSeconds  float64 `json:"cpuSeconds"`
	// Cores is the average CPU utilisation: CPU seconds per wall second.
	Cores    float64 `json:"cores"`
	Messages int     `json:"messages,omitempty"`
	// CPUSecondsPer1000Messages is absent when no message arrived.
	CPUSecondsPer1000Messages *float64 `json:"cpuSecondsPer1000Messages,omitempty"`
}

// reportIdle is the -idle window.
type reportIdle struct {
	PlannedSeconds  float64 `json:"plannedSeconds"`
	Seconds         float64 `json:"seconds"`
	Complete        bool    `json:"complete"`
	Visitors        int     `json:"visitorsIdleWithAgent"`
	PollWaitSeconds int     `json:"visitorPollWaitSeconds"`
	// NotReached says why the window never started.
	NotReached       string     `json:"notReached,omitempty"`
	UsageUnavailable string     `json:"usageUnavailable,omitempty"`
	CPU              *reportCPU `json:"cpu,omitempty"`
	RSSKB            int64      `json:"rssKbAtEnd,omitempty"`
	PeakRSSKB        int64      `json:"peakRssKbAtEnd,omitempty"`
	// AnonRSSKB is the part of RSSKB that is the processes' own memory.
	AnonRSSKB int64 `json:"anonRssKbAtEnd,omitempty"`
	// History is filled in with the history count, after the run.
	HistoryUnavailable string        `json:"historyUnavailable,omitempty"`
	History            *reportEvents `json:"history,omitempty"`
}

// reportEvents counts history events written in a window.
type reportEvents struct {
	Events       int     `json:"events"`
	Conversation int     `json:"conversationEvents"`
	Other        int     `json:"otherEvents"`
	PerSecond    float64 `json:"perSecond"`
}

// reportHistory is the history count, or why there is none.
type reportHistory struct {
	Unavailable       string                  `json:"unavailable,omitempty"`
	Temporal          string                  `json:"temporal,omitempty"`
	Namespace         string                  `json:"namespace,omitempty"`
	ConversationQuery string                  `json:"conversationQuery,omitempty"`
	Fallback          string                  `json:"fallback,omitempty"`
	Conversations     *reportConversationHist `json:"conversations,omitempty"`
	OtherTypes        []reportTypeEvents      `json:"otherTypes,omitempty"`
	OtherNote         string                  `json:"otherNote,omitempty"`
	DuringRun         *reportEvents           `json:"duringRun,omitempty"`
	// EventsPerChatMessage is DuringRun's events over the chat messages.
	EventsPerChatMessage float64 `json:"eventsPerChatMessage,omitempty"`
	Definition           string  `json:"definition,omitempty"`
}

// reportConversationHist is the events per conversation (workflow id,
// summed over its runs).
type reportConversationHist struct {
	Workflows int `json:"workflows"`
	Runs      int `json:"runs"`
	// StillOpen counts conversations with a run open when counted: their
	// last events (the close) may be missing.
	StillOpen int `json:"stillOpen"`
	P50       int `json:"eventsP50"`
	Max       int `json:"eventsMax"`
	Total     int `json:"eventsTotal"`
}

// reportTypeEvents is another workflow type's events during the run.
type reportTypeEvents struct {
	Type      string `json:"type"`
	Workflows int    `json:"workflows"`
	Runs      int    `json:"runs"`
	Events    int    `json:"eventsDuringRun"`
}

// chatMessages is the chat messages that arrived, both ways.
func (r *report) chatMessages() int {
	return r.Messages.VisitorToAgent.Received + r.Messages.AgentToVisitor.Received
}

// cpuOver is the CPU between two readings, over their wall time.
func cpuOver(before, after procUsage) reportCPU {
	c := reportCPU{WallSeconds: after.at.Sub(before.at).Seconds(), CPUSeconds: after.cpuSecondsSince(before)}
	if c.WallSeconds > 0 {
		c.Cores = c.CPUSeconds / c.WallSeconds
	}
	return c
}

// runCPU is the server's CPU over the visitors' run with the idle window
// taken out, per 1,000 messages.
func runCPU(before, after procUsage, idle *idleWindow, messages int) reportCPU {
	c := cpuOver(before, after)
	if idle != nil && idle.usageErr == nil && !idle.after.at.IsZero() {
		in := cpuOver(idle.before, idle.after)
		c.WallSeconds = max(0, c.WallSeconds-in.WallSeconds)
		c.CPUSeconds = max(0, c.CPUSeconds-in.CPUSeconds)
		c.Cores = 0
		if c.WallSeconds > 0 {
			c.Cores = c.CPUSeconds / c.WallSeconds
		}
	}
	c.Definition = defServerCPU
	c.Messages = messages
	if messages > 0 {
		per := c.CPUSeconds * 1000 / float64(messages)
		c.CPUSecondsPer1000Messages = &per
	}
	return c
}

// addMeasurements fills the chat phase, the server's usage and the idle
// window; the history comes later, from Temporal.
func (b *bench) addMeasurements(r *report, out outcome) {
	span := b.v2a.span().merge(b.a2v.span())
	r.ChatPhase = reportChatPhase{Definition: defChatPhase, Messages: span.messages, Seconds: span.seconds(), MessagesPerSec: span.perSecond()}
	r.Throughput.Definition = defWholeRun
	switch {
	case b.sampler == nil:
		r.ServerUsage = reportServerUsage{Unavailable: "no server process known: use -embedded or give -server-pid PID[,PID]"}
	case out.usageErr != nil:
		r.ServerUsage = reportServerUsage{PIDs: b.sampler.pids, Unavailable: "reading /proc: " + out.usageErr.Error()}
	default:
		cpu := runCPU(out.usageBefore, out.usageAfter, out.idle, r.chatMessages())
		r.ServerUsage = reportServerUsage{PIDs: b.sampler.pids, Run: &cpu, PeakRSSKB: out.usageAfter.hwmKB}
	}
	if b.cfg.Idle > 0 {
		r.Idle = b.idleReport(out.idle)
	}
}

// idleReport is the idle window's section; the history is added later.
func (b *bench) idleReport(w *idleWindow) *reportIdle {
	ri := &reportIdle{PlannedSeconds: b.cfg.Idle.Seconds(), PollWaitSeconds: int(idlePollWait / time.Second)}
	if w == nil {
		ri.NotReached = "the run ended before every visitor was with an agent"
		return ri
	}
	ri.Seconds = w.ended.Sub(w.start).Seconds()
	ri.Complete = w.complete
	ri.Visitors = w.visitors
	switch {
	case b.sampler == nil:
		ri.UsageUnavailable = "no server process known"
	case w.usageErr != nil:
		ri.UsageUnavailable = "reading /proc: " + w.usageErr.Error()
	default:
		cpu := cpuOver(w.before, w.after)
		ri.CPU = &cpu
		ri.RSSKB, ri.PeakRSSKB, ri.AnonRSSKB = w.after.rssKB, w.after.hwmKB, w.after.anonKB
	}
	return ri
}

// eventsIn is a window's events as the report shows them.
func eventsIn(we windowEvents, seconds float64) *reportEvents {
	e := &reportEvents{Events: we.Conversation + we.Other, Conversation: we.Conversation, Other: we.Other}
	if seconds > 0 {
		e.PerSecond = float64(e.Events) / seconds
	}
	return e
}

// setHistory fills the history sections from a count, or says why there is none.
func (r *report) setHistory(addr, namespace string, hc historyCounts, runSeconds float64, err error) {
	h := reportHistory{Temporal: addr, Namespace: namespace}
	switch {
	case addr == "":
		h = reportHistory{Unavailable: errNoTemporal.Error()}
	case err != nil:
		h.Unavailable = err.Error()
	default:
		h.ConversationQuery = hc.conversationQuery
		h.Fallback = hc.fallback
		h.OtherNote = hc.otherNote
		if d, ok := hc.distribution(); ok {
			h.Conversations = &reportConversationHist{
				Workflows: d.Count, Runs: hc.convRuns, StillOpen: hc.convOpen, P50: d.P50, Max: d.Max, Total: d.Total,
			}
		}
		for _, t := range hc.other {
			h.OtherTypes = append(h.OtherTypes, reportTypeEvents(t))
		}
		h.DuringRun = eventsIn(hc.during, runSeconds)
		h.Definition = defRunEvents
		if n := r.chatMessages(); n > 0 {
			h.EventsPerChatMessage = float64(h.DuringRun.Events) / float64(n)
		}
	}
	r.History = h
	if r.Idle == nil || r.Idle.NotReached != "" {
		return
	}
	if h.Unavailable != "" {
		r.Idle.HistoryUnavailable = h.Unavailable
		return
	}
	r.Idle.History = eventsIn(hc.idle, r.Idle.Seconds)
}

// writeMeasurements prints the server's usage, the history count and the
// idle window.
func (r *report) writeMeasurements(b *strings.Builder) {
	u := r.ServerUsage
	b.WriteString("\n")
	switch {
	case u.Unavailable != "":
		fmt.Fprintf(b, "server CPU   unavailable (%s)\n", u.Unavailable)
	default:
		c := u.Run
		per := "n/a (no chat message arrived)"
		if c.CPUSecondsPer1000Messages != nil {
			per = fmt.Sprintf("%.2f CPU-s", *c.CPUSecondsPer1000Messages)
		}
		fmt.Fprintf(b, "server CPU   %s per 1,000 chat messages; %.2f CPU-s in %.2fs = %.2f cores (pid %s; whole run, idle window excluded)\n",
			per, c.CPUSeconds, c.WallSeconds, c.Cores, joinInts(u.PIDs))
		fmt.Fprintf(b, "server RSS   peak %s (VmHWM)\n", fmtKB(u.PeakRSSKB))
	}
	r.writeHistory(b)
	if r.Idle != nil {
		r.writeIdle(b)
	}
}

func (r *report) writeHistory(b *strings.Builder) {
	h := r.History
	if h.Unavailable != "" {
		fmt.Fprintf(b, "history      unavailable (%s)\n", h.Unavailable)
		return
	}
	fmt.Fprintf(b, "history      events from Temporal %s, namespace %s\n", h.Temporal, h.Namespace)
	if c := h.Conversations; c != nil {
		fmt.Fprintf(b, "  conversations  %s, %s: events per conversation p50 %d, max %d, total %d",
			plural(c.Workflows, "workflow"), plural(c.Runs, "run"), c.P50, c.Max, c.Total)
		if c.StillOpen > 0 {
			fmt.Fprintf(b, " (%d still open when counted)", c.StillOpen)
		}
		b.WriteString("\n")
	} else {
		fmt.Fprintf(b, "  conversations  none found (%s)\n", h.ConversationQuery)
	}
	if h.Fallback != "" {
		fmt.Fprintf(b, "                 %s\n", h.Fallback)
	}
	for _, t := range h.OtherTypes {
		fmt.Fprintf(b, "  %-13s  %s, %s: %d events during the run\n", t.Type, plural(t.Workflows, "workflow"), plural(t.Runs, "run"), t.Events)
	}
	if h.OtherNote != "" {
		fmt.Fprintf(b, "  other types    %s\n", h.OtherNote)
	}
	if d := h.DuringRun; d != nil {
		per := ""
		if h.EventsPerChatMessage > 0 {
			per = fmt.Sprintf(", %.1f per chat message", h.EventsPerChatMessage)
		}
		fmt.Fprintf(b, "  all types      %d events during the run (%.1f/s%s)\n", d.Events, d.PerSecond, per)
	}
}

func (r *report) writeIdle(b *strings.Builder) {
	i := r.Idle
	if i.NotReached != "" {
		fmt.Fprintf(b, "idle window  not reached: %s\n", i.NotReached)
		return
	}
	cut := ""
	if !i.Complete {
		cut = ", cut short by the run's end"
	}
	fmt.Fprintf(b, "idle window  %.2fs%s: %d visitors idle with an agent, polling with wait=%ds\n", i.Seconds, cut, i.Visitors, i.PollWaitSeconds)
	if i.CPU != nil {
		own := ""
		if i.AnonRSSKB > 0 {
			// The rest is mapped file pages, mostly the binary's: how many
			// the kernel keeps mapped varies from run to run.
			own = fmt.Sprintf(", %s of it anonymous", fmtKB(i.AnonRSSKB))
		}
		fmt.Fprintf(b, "  server       %.2f CPU-s = %.3f cores; RSS %s at the end%s (peak %s)\n",
			i.CPU.CPUSeconds, i.CPU.Cores, fmtKB(i.RSSKB), own, fmtKB(i.PeakRSSKB))
	} else {
		fmt.Fprintf(b, "  server       unavailable (%s)\n", i.UsageUnavailable)
	}
	if e := i.History; e != nil {
		fmt.Fprintf(b, "  history      %d events (%.1f/s): conversations %d, other types %d\n", e.Events, e.PerSecond, e.Conversation, e.Other)
	} else {
		fmt.Fprintf(b, "  history      unavailable (%s)\n", i.HistoryUnavailable)
	}
}

// plural is "1 run" or "2 runs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
