package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func usageAt(s float64, ticks uint64) procUsage {
	return procUsage{at: tRun.Add(time.Duration(s * float64(time.Second))), ticks: ticks}
}

func TestRunCPU(t *testing.T) {
	c := runCPU(usageAt(0, 1000), usageAt(10, 1500), nil, 2000)
	require.InDelta(t, 5.0, c.CPUSeconds, 1e-9)
	require.InDelta(t, 10.0, c.WallSeconds, 1e-9)
	require.InDelta(t, 0.5, c.Cores, 1e-9)
	require.NotNil(t, c.CPUSecondsPer1000Messages)
	require.InDelta(t, 2.5, *c.CPUSecondsPer1000Messages, 1e-9)

	idle := &idleWindow{before: usageAt(2, 1100), after: usageAt(6, 1200)}
	c = runCPU(usageAt(0, 1000), usageAt(10, 1500), idle, 2000)
	require.InDelta(t, 4.0, c.CPUSeconds, 1e-9, "the idle window's second is taken out")
	require.InDelta(t, 6.0, c.WallSeconds, 1e-9)
	require.InDelta(t, 2.0, *c.CPUSecondsPer1000Messages, 1e-9)

	c = runCPU(usageAt(0, 1000), usageAt(10, 1500), nil, 0)
	require.Nil(t, c.CPUSecondsPer1000Messages, "no message, no rate")
}

func TestReportSaysUnavailable(t *testing.T) {
	r := &report{
		ServerUsage: reportServerUsage{Unavailable: "no server process known"},
		Idle:        &reportIdle{Seconds: 5, Complete: true, UsageUnavailable: "no server process known", PollWaitSeconds: 30},
	}
	r.setHistory("", "default", historyCounts{}, 10, nil)
	var b strings.Builder
	r.writeMeasurements(&b)
	out := b.String()
	require.Contains(t, out, "server CPU   unavailable (no server process known)")
	require.Contains(t, out, "history      unavailable (no Temporal frontend known")
	require.Contains(t, out, "  history      unavailable (no Temporal frontend known", "the idle window's history too")
	require.Nil(t, r.History.Conversations)
	require.Nil(t, r.Idle.History)
}

// TestIdleWindowShowsTheProcessesOwnMemory: the idle window's RSS comes with
// its anonymous part, which the binary's mapped pages do not blur.
func TestIdleWindowShowsTheProcessesOwnMemory(t *testing.T) {
	cpu := reportCPU{CPUSeconds: 4.5, Cores: 0.05}
	r := &report{
		ServerUsage: reportServerUsage{Unavailable: "not this test's"},
		Idle: &reportIdle{Seconds: 90, Complete: true, Visitors: 1000, PollWaitSeconds: 30,
			CPU: &cpu, RSSKB: 400 * 1024, AnonRSSKB: 230 * 1024, PeakRSSKB: 410 * 1024},
	}
	r.setHistory("", "default", historyCounts{}, 10, nil)
	var b strings.Builder
	r.writeMeasurements(&b)
	require.Contains(t, b.String(), "RSS 400 MiB at the end, 230 MiB of it anonymous (peak 410 MiB)")

	r.Idle.AnonRSSKB = 0
	b.Reset()
	r.writeMeasurements(&b)
	require.Contains(t, b.String(), "RSS 400 MiB at the end (peak 410 MiB)", "a kernel that does not say leaves it out")
}
