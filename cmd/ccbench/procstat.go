package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicksPerSec is Linux's USER_HZ, the unit of utime and stime in
// /proc/PID/stat. It is 100 on every Linux architecture Go supports (the
// kernel fixes USER_HZ at 100 whatever its internal HZ; getconf CLK_TCK
// says so), and reading sysconf would need cgo.
const clockTicksPerSec = 100

// procUsage is what /proc tells of one or more processes at one moment.
type procUsage struct {
	at time.Time
	// ticks is utime+stime summed over the processes, in clock ticks.
	ticks uint64
	// rssKB and hwmKB are VmRSS and VmHWM summed over the processes.
	rssKB int64
	hwmKB int64
	// anonKB is RssAnon summed over the processes: their own memory, without
	// the pages of the binary the kernel maps in (and may drop) as it likes.
	// Zero when the kernel does not say (before Linux 4.5).
	anonKB int64
}

// cpuSecondsSince is the CPU time between an earlier reading and u.
func (u procUsage) cpuSecondsSince(before procUsage) float64 {
	if u.ticks < before.ticks {
		return 0
	}
	return float64(u.ticks-before.ticks) / clockTicksPerSec
}

// procSampler reads the CPU time and memory of the server's processes.
type procSampler struct {
	pids []int
	// root is /proc; tests point it elsewhere.
	root string
}

// newProcSampler samples pids; nil when there are none to sample.
func newProcSampler(pids []int) *procSampler {
	if len(pids) == 0 {
		return nil
	}
	return &procSampler{pids: pids, root: "/proc"}
}

// sample reads every process once; a process that is gone is an error, since
// a sum without it would silently undercount.
func (s *procSampler) sample() (procUsage, error) {
	u := procUsage{at: time.Now()}
	for _, pid := range s.pids {
		dir := s.root + "/" + strconv.Itoa(pid)
		raw, err := os.ReadFile(dir + "/stat")
		if err != nil {
			return u, fmt.Errorf("pid %d: %w", pid, err)
		}
		ticks, err := parseProcStat(string(raw))
		if err != nil {
			return u, fmt.Errorf("pid %d: %w", pid, err)
		}
		status, err := os.ReadFile(dir + "/status")
		if err != nil {
			return u, fmt.Errorf("pid %d: %w", pid, err)
		}
		rss, err := parseProcStatusKB(string(status), "VmRSS")
		if err != nil {
			return u, fmt.Errorf("pid %d: %w", pid, err)
		}
		hwm, err := parseProcStatusKB(string(status), "VmHWM")
		if err != nil {
			return u, fmt.Errorf("pid %d: %w", pid, err)
		}
		anon, err := parseProcStatusKB(string(status), "RssAnon")
		if err != nil && !errors.Is(err, errNoStatusKey) {
			return u, fmt.Errorf("pid %d: %w", pid, err)
		}
		u.ticks += ticks
		u.rssKB += rss
		u.hwmKB += hwm
		u.anonKB += anon
	}
	return u, nil
}

// parseProcStat returns utime+stime, in clock ticks, from the contents of
// /proc/PID/stat. The command name (field 2) is in parentheses and may hold
// spaces and parentheses itself, so the fields are counted from the last ')'.
func parseProcStat(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no command name")
	}
	// After ")": state is field 3, so utime (field 14) and stime (15) are
	// the 12th and 13th fields of the rest.
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the command name, want at least 13", len(f))
	}
	utime, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc stat: utime: %w", err)
	}
	stime, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc stat: stime: %w", err)
	}
	return utime + stime, nil
}

// parseProcStatusKB reads a "Key:   1234 kB" line of /proc/PID/status.
func parseProcStatusKB(status, key string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), key+":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("/proc status: %s: %q is not a size in kB", key, strings.TrimSpace(v))
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc status: %s: %w", key, err)
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%w: no %s", errNoStatusKey, key)
}

// errNoStatusKey is a line /proc/PID/status does not have.
var errNoStatusKey = errors.New("/proc status")

// fmtKB prints a size in kB as MiB.
func fmtKB(kb int64) string {
	return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
}
