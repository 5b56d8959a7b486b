package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// statLine is a /proc/PID/stat line with utime 1234 and stime 567.
const statLine = "4242 (cc flow) (x)) S 1 4242 4242 0 -1 4194560 12 0 0 0 1234 567 0 0 20 0 12 0 100 1000000 2000 18446744073709551615\n"

const statusText = `Name:	ccflow
VmPeak:	 2000000 kB
VmHWM:	  412345 kB
VmRSS:	  300000 kB
Threads:	12
`

func TestParseProcStat(t *testing.T) {
	ticks, err := parseProcStat(statLine)
	require.NoError(t, err)
	require.Equal(t, uint64(1234+567), ticks, "fields count from the last ')', whatever the command name holds")

	_, err = parseProcStat("4242 ccflow S 1")
	require.ErrorContains(t, err, "no command name")
	_, err = parseProcStat("4242 (ccflow) S 1 2 3")
	require.ErrorContains(t, err, "fields after the command name")
	_, err = parseProcStat("4242 (ccflow) S 1 4242 4242 0 -1 4194560 12 0 0 0 x 567")
	require.ErrorContains(t, err, "utime")
}

func TestParseProcStatOfThisProcess(t *testing.T) {
	raw, err := os.ReadFile("/proc/self/stat")
	if os.IsNotExist(err) {
		t.Skip("no /proc")
	}
	require.NoError(t, err)
	_, err = parseProcStat(string(raw))
	require.NoError(t, err)
}

func TestParseProcStatusKB(t *testing.T) {
	hwm, err := parseProcStatusKB(statusText, "VmHWM")
	require.NoError(t, err)
	require.Equal(t, int64(412345), hwm)
	rss, err := parseProcStatusKB(statusText, "VmRSS")
	require.NoError(t, err)
	require.Equal(t, int64(300000), rss)
	_, err = parseProcStatusKB(statusText, "VmSwap")
	require.ErrorContains(t, err, "no VmSwap")
	_, err = parseProcStatusKB("VmHWM:\t12 MB\n", "VmHWM")
	require.ErrorContains(t, err, "not a size in kB")
}

// fakeProc writes a /proc/PID with the given CPU ticks and sizes under root;
// its RssAnon is a third of its RSS.
func fakeProc(t *testing.T, root string, pid int, utime, stime, rssKB, hwmKB int) {
	t.Helper()
	dir := filepath.Join(root, strconv.Itoa(pid))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	stat := strconv.Itoa(pid) + " (ccflow) S 1 1 1 0 -1 0 0 0 0 0 " + strconv.Itoa(utime) + " " + strconv.Itoa(stime) + " 0 0 20 0 1 0\n"
	status := "VmHWM:\t" + strconv.Itoa(hwmKB) + " kB\nVmRSS:\t" + strconv.Itoa(rssKB) + " kB\nRssAnon:\t" + strconv.Itoa(rssKB/3) + " kB\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644))
}

func TestProcSamplerSumsProcesses(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 10, 100, 50, 1000, 2000)
	fakeProc(t, root, 11, 300, 0, 500, 700)
	s := &procSampler{pids: []int{10, 11}, root: root}
	before, err := s.sample()
	require.NoError(t, err)
	require.Equal(t, uint64(450), before.ticks)
	require.Equal(t, int64(1500), before.rssKB)
	require.Equal(t, int64(2700), before.hwmKB)
	require.Equal(t, int64(333+166), before.anonKB, "the processes' own memory, summed")

	fakeProc(t, root, 11, 500, 50, 500, 700)
	after, err := s.sample()
	require.NoError(t, err)
	require.InDelta(t, 2.5, after.cpuSecondsSince(before), 1e-9, "250 ticks at 100 Hz")
	require.Zero(t, before.cpuSecondsSince(after), "a reading never goes backwards into negative CPU")

	s.pids = append(s.pids, 12)
	_, err = s.sample()
	require.ErrorContains(t, err, "pid 12", "a vanished process is an error, not a smaller sum")
}

func TestProcSamplerOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	s := newProcSampler([]int{os.Getpid()})
	before, err := s.sample()
	require.NoError(t, err)
	require.Positive(t, before.hwmKB)
	after, err := s.sample()
	require.NoError(t, err)
	require.GreaterOrEqual(t, after.ticks, before.ticks)
	require.Nil(t, newProcSampler(nil), "no pids, no sampler")
}

// TestProcSamplerWithoutRssAnon: a kernel that does not report RssAnon
// (before Linux 4.5) still gives the CPU and the RSS.
func TestProcSamplerWithoutRssAnon(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 10, 100, 50, 1000, 2000)
	status := filepath.Join(root, "10", "status")
	require.NoError(t, os.WriteFile(status, []byte("VmHWM:\t2000 kB\nVmRSS:\t1000 kB\n"), 0o644))
	u, err := (&procSampler{pids: []int{10}, root: root}).sample()
	require.NoError(t, err)
	require.Equal(t, int64(1000), u.rssKB)
	require.Zero(t, u.anonKB)
}
