package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/sipcall/siptest"
)

// BenchmarkSIPCreateCallToAnswered measures, on a real all-in-one, the time
// from createcall to the trunk leg answered: createcall, the app dialling
// the access code, ccflow's dial update, the trunk's digest challenge and
// its answer. Each call is then hung up and its end awaited outside the
// timing.
//
//	go test -run '^$' -bench BenchmarkSIPCreateCallToAnswered -benchtime 30x ./integration/
func BenchmarkSIPCreateCallToAnswered(b *testing.B) {
	n := startSIPNode(b, time.Minute)
	app := appHeaders(b, n.url())
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		res := n.createCall(b, app, "8888"+strconv.Itoa(1000+i))
		d, med, err := n.app.Dial(ctx, res.ResultData.SIPServiceAddress, res.ResultData.AccessCode)
		require.NoError(b, err)
		tc := <-n.trunk.Got
		b.StopTimer()
		require.NoError(b, d.Hangup(ctx))
		<-tc.Ended
		require.NoError(b, med.Close())
		waitRow(b, n.dataDir, res.ResultData.CallSerialNo, "ENDED")
		b.StartTimer()
	}
}

// BenchmarkSIPRelayCPU measures the server's CPU per concurrent relayed
// call: CCFLOW_BENCH_SIP_CALLS (20 by default) calls up at once, each leg
// sending a 20 ms PCMU frame 50 times a second both ways through ccflow,
// for 20 s; the ccflow process's user+system CPU (/proc/PID/stat, the
// rusage the kernel keeps) over that window, less an idle window of the
// same length before the calls, divided by the calls.
//
//	go test -run '^$' -bench BenchmarkSIPRelayCPU -benchtime 1x ./integration/
func BenchmarkSIPRelayCPU(b *testing.B) {
	calls := 20
	if v := os.Getenv("CCFLOW_BENCH_SIP_CALLS"); v != "" {
		var err error
		calls, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	const window = 20 * time.Second
	n := startSIPNode(b, time.Minute)
	app := appHeaders(b, n.url())
	pid := n.proc.cmd.Process.Pid
	ctx := context.Background()
	for range b.N {
		time.Sleep(5 * time.Second) // let the start-up settle
		idle0 := cpuTicks(b, pid)
		time.Sleep(window)
		idle := cpuTicks(b, pid) - idle0

		var mu sync.Mutex
		var dialogs []*diago.DialogClientSession
		var audios []*siptest.Audio
		var trunkAudio []*siptest.Audio
		for i := range calls {
			res := n.createCall(b, app, "8888"+strconv.Itoa(2000+i))
			d, med, err := n.app.Dial(ctx, res.ResultData.SIPServiceAddress, res.ResultData.AccessCode)
			require.NoError(b, err)
			tc := <-n.trunk.Got
			mu.Lock()
			dialogs = append(dialogs, d)
			audios = append(audios, siptest.StartAudio(b, med))
			trunkAudio = append(trunkAudio, tc.Audio)
			mu.Unlock()
		}
		time.Sleep(2 * time.Second)
		busy0 := cpuTicks(b, pid)
		var recv0 int64
		for i := range audios {
			recv0 += audios[i].Received.Load() + trunkAudio[i].Received.Load()
		}
		time.Sleep(window)
		busy := cpuTicks(b, pid) - busy0
		var recv int64
		for i := range audios {
			recv += audios[i].Received.Load() + trunkAudio[i].Received.Load()
		}
		for i, d := range dialogs {
			audios[i].Halt()
			require.NoError(b, d.Hangup(ctx))
		}
		perCall := float64(busy-idle) * 10 / float64(calls) / window.Seconds() // ms of CPU per second per call (100 ticks/s)
		b.ReportMetric(float64(idle)*10/window.Seconds(), "idle-cpu-ms/s")
		b.ReportMetric(float64(busy)*10/window.Seconds(), "busy-cpu-ms/s")
		b.ReportMetric(perCall, "cpu-ms/s/call")
		b.ReportMetric(float64(recv-recv0)/window.Seconds()/float64(calls), "rtp-pkts/s/call")
		b.Logf("%d calls: idle %d ticks, busy %d ticks over %s; %.2f ms CPU per second per call; %d RTP packets received at the ends",
			calls, idle, busy, window, perCall, recv-recv0)
	}
}

// cpuTicks is a process's user+system CPU time in clock ticks (1/100 s).
func cpuTicks(t testing.TB, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	// Fields after the command name, which ends with ")": state is field 3,
	// utime 14, stime 15.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, err := strconv.ParseInt(f[11], 10, 64)
	require.NoError(t, err)
	st, err := strconv.ParseInt(f[12], 10, 64)
	require.NoError(t, err)
	return ut + st
}
