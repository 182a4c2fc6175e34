//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100
// on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// ProcCPU is the CPU time (user + system) a process has used since it
// started: in total, and by thread name for the threads alive when read.
type ProcCPU struct {
	// Total includes the threads that have already exited.
	Total time.Duration
	// Threads sums the live threads by name (comm, at most 15 bytes:
	// Chromium's renderer has CrRendererMain, Compositor,
	// DedicatedWorker, ThreadPoolForeg, ...).
	Threads map[string]time.Duration
}

// MainThread names the process's main thread in ProcCPU.Threads.
const MainThread = "main thread"

// ReadProcCPU reads /proc/PID/stat and the stat of each of its threads.
func ReadProcCPU(pid int) (ProcCPU, error) {
	dir := fmt.Sprintf("/proc/%d", pid)
	data, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return ProcCPU{}, err
	}
	st, err := parseStat(data)
	if err != nil {
		return ProcCPU{}, fmt.Errorf("%s/stat: %w", dir, err)
	}
	p := ProcCPU{Total: st.cpu, Threads: map[string]time.Duration{}}
	tasks, err := os.ReadDir(filepath.Join(dir, "task"))
	if err != nil {
		return ProcCPU{}, err
	}
	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join(dir, "task", task.Name(), "stat"))
		if err != nil {
			continue // the thread exited meanwhile
		}
		st, err := parseStat(data)
		if err != nil {
			return ProcCPU{}, fmt.Errorf("%s/task/%s/stat: %w", dir, task.Name(), err)
		}
		name := st.name
		if task.Name() == strconv.Itoa(pid) {
			// The main thread keeps the process's name (a renderer's
			// CrRendererMain shows as "chromium").
			name = MainThread
		}
		p.Threads[name] += st.cpu
	}
	return p, nil
}

// Sub is the CPU used between an earlier reading and p. A thread name
// missing from either reading counts from zero or is dropped: the thread
// started or exited in between (Total still has it).
func (p ProcCPU) Sub(earlier ProcCPU) ProcCPU {
	d := ProcCPU{Total: p.Total - earlier.Total, Threads: maps.Clone(p.Threads)}
	for name, cpu := range d.Threads {
		d.Threads[name] = cpu - earlier.Threads[name]
	}
	return d
}

// statLine is what the benchmarks read of a /proc stat line.
type statLine struct {
	name  string
	state byte // R, S, D, Z (zombie), ...
	ppid  int
	// cpu is utime+stime; children is cutime+cstime, the CPU of the
	// descendants the process has waited for.
	cpu, children time.Duration
}

// parseStat reads a /proc stat line: "pid (comm) state ppid ... utime
// stime cutime cstime ...". comm may itself hold spaces and parentheses,
// so the fields are counted from the last ')'.
func parseStat(line []byte) (statLine, error) {
	open := bytes.IndexByte(line, '(')
	end := bytes.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return statLine{}, fmt.Errorf("no (comm) in %q", line)
	}
	fields := bytes.Fields(line[end+1:])
	// After comm: state(0) ppid(1) pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime(11) stime(12) cutime(13) cstime(14).
	if len(fields) < 15 {
		return statLine{}, fmt.Errorf("%d fields after comm, want at least 15", len(fields))
	}
	var n [15]uint64
	for _, i := range []int{1, 11, 12, 13, 14} {
		v, err := strconv.ParseUint(string(fields[i]), 10, 63)
		if err != nil {
			return statLine{}, fmt.Errorf("field %d %q: %w", i, fields[i], err)
		}
		n[i] = v
	}
	return statLine{
		name:     string(line[open+1 : end]),
		state:    fields[0][0],
		ppid:     int(n[1]),
		cpu:      time.Duration(n[11]+n[12]) * clockTick,
		children: time.Duration(n[13]+n[14]) * clockTick,
	}, nil
}

// ProcSnapshot is the CPU every process has used, read at one moment,
// to tell the CPU of a benchmark (the process root and its descendants)
// from that of everything else on the machine.
type ProcSnapshot struct {
	root  int
	procs map[int]statLine
}

// ReadProcs reads the stat of every process.
func ReadProcs(root int) (ProcSnapshot, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return ProcSnapshot{}, err
	}
	s := ProcSnapshot{root: root, procs: map[int]statLine{}}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		if st, err := parseStat(data); err == nil {
			s.procs[pid] = st
		}
	}
	if _, ok := s.procs[root]; !ok {
		return ProcSnapshot{}, fmt.Errorf("process %d not found", root)
	}
	return s, nil
}

// inTree reports whether pid is root or descends from it.
func (s ProcSnapshot) inTree(pid int) bool {
	// The bound only guards against a bad read: pids cannot form a cycle.
	for hops := 0; hops < 64; hops++ {
		if pid == s.root {
			return true
		}
		st, ok := s.procs[pid]
		if !ok || pid <= 1 {
			return false
		}
		pid = st.ppid
	}
	return false
}

// Others is the CPU used between earlier and s by processes outside
// root's tree. It counts them rather than subtracting the tree from the
// machine's total: the tree loses the CPU of its orphans (a closed
// browser's helpers, reparented to init). A process counts with the
// descendants it has waited for, so the short-lived processes of others
// count through their parents; init's own waits are left out, since they
// are mostly such orphans, and so are zombies, which have not been waited
// for yet (a closed browser's helpers, killed, linger so under init).
func (s ProcSnapshot) Others(earlier ProcSnapshot) time.Duration {
	var total time.Duration
	for pid, st := range s.procs {
		if st.state == 'Z' || s.inTree(pid) {
			continue
		}
		now := st.cpu + st.children
		if pid == 1 {
			now = st.cpu
		}
		var before time.Duration
		if e, ok := earlier.procs[pid]; ok {
			before = e.cpu + e.children
			if pid == 1 {
				before = e.cpu
			}
		}
		if now < before { // a pid reused in between
			before = 0
		}
		total += now - before
	}
	return total
}

// MachineCPU is the time all CPUs of the machine spent busy and in total
// since boot, from the first line of /proc/stat.
type MachineCPU struct{ Busy, Total time.Duration }

// ReadMachineCPU reads /proc/stat.
func ReadMachineCPU() (MachineCPU, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return MachineCPU{}, err
	}
	return parseMachineStat(data)
}

// parseMachineStat reads "cpu  user nice system idle iowait irq softirq
// steal ...": idle and iowait are not busy.
func parseMachineStat(data []byte) (MachineCPU, error) {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	fields := bytes.Fields(line)
	if len(fields) < 6 || string(fields[0]) != "cpu" {
		return MachineCPU{}, fmt.Errorf("/proc/stat: first line %q", line)
	}
	var m MachineCPU
	for i, f := range fields[1:] {
		n, err := strconv.ParseUint(string(f), 10, 63)
		if err != nil {
			return MachineCPU{}, fmt.Errorf("/proc/stat: %q: %w", f, err)
		}
		d := time.Duration(n) * clockTick
		m.Total += d
		if i != 3 && i != 4 { // idle, iowait
			m.Busy += d
		}
	}
	return m, nil
}

// Share is the busy fraction of all CPUs between an earlier reading and m
// (1 = every CPU busy all the time).
func (m MachineCPU) Share(earlier MachineCPU) float64 {
	if m.Total <= earlier.Total {
		return 0
	}
	return float64(m.Busy-earlier.Busy) / float64(m.Total-earlier.Total)
}
