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
	_, total, err := parseStat(data)
	if err != nil {
		return ProcCPU{}, fmt.Errorf("%s/stat: %w", dir, err)
	}
	p := ProcCPU{Total: total, Threads: map[string]time.Duration{}}
	tasks, err := os.ReadDir(filepath.Join(dir, "task"))
	if err != nil {
		return ProcCPU{}, err
	}
	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join(dir, "task", task.Name(), "stat"))
		if err != nil {
			continue // the thread exited meanwhile
		}
		name, cpu, err := parseStat(data)
		if err != nil {
			return ProcCPU{}, fmt.Errorf("%s/task/%s/stat: %w", dir, task.Name(), err)
		}
		if task.Name() == strconv.Itoa(pid) {
			// The main thread keeps the process's name (a renderer's
			// CrRendererMain shows as "chromium").
			name = MainThread
		}
		p.Threads[name] += cpu
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

// parseStat reads the name (comm) and utime+stime of a /proc stat line:
// "pid (comm) state ppid ... utime stime ...". comm may itself hold spaces
// and parentheses, so the fields are counted from the last ')'.
func parseStat(line []byte) (string, time.Duration, error) {
	open := bytes.IndexByte(line, '(')
	end := bytes.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return "", 0, fmt.Errorf("no (comm) in %q", line)
	}
	fields := bytes.Fields(line[end+1:])
	// After comm: state(0) ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime(11) stime(12).
	if len(fields) < 13 {
		return "", 0, fmt.Errorf("%d fields after comm, want at least 13", len(fields))
	}
	var ticks uint64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseUint(string(f), 10, 63)
		if err != nil {
			return "", 0, fmt.Errorf("cpu time %q: %w", f, err)
		}
		ticks += n
	}
	return string(line[open+1 : end]), time.Duration(ticks) * clockTick, nil
}
